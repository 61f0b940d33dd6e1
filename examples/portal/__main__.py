"""``python -m examples.portal``: the demo portal on 127.0.0.1 with a local mail server.

Open http://127.0.0.1:8000/ to upload as an owner and http://127.0.0.1:8000/mailbox to
read the invitations and codes the portal sends (they go to a local aiosmtpd server).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import uvicorn

from esig.testing.smtp import LocalSmtpServer

from .app import create_app
from .demo import demo_config


def main() -> None:
    """Start the demo portal and its mail server until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m examples.portal", description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: temporary)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="esig-portal-"))
    base = f"http://127.0.0.1:{args.port}"
    with LocalSmtpServer() as smtp:
        config = demo_config(data, smtp.host, smtp.port, base)
        app = create_app(config, mailbox=lambda: smtp.messages)
        print(f"esig portal on {base}/ (mailbox: {base}/mailbox; data in {data})")
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
