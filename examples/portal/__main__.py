"""``python -m examples.portal``: the demo portal on 127.0.0.1 with every service it uses.

One command starts the portal, a local mail server (aiosmtpd), an SMS gateway, a
SoftHSM2 token for the signers' eID cards and the CSC test server for remote signing.
Open http://127.0.0.1:8000/ to upload as an owner and http://127.0.0.1:8000/mailbox to
read the invitations, codes and text messages the portal sends, and the test PIN.
A part that is not installed (softhsm2, certomancer-csc) only removes its method.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from pathlib import Path

import uvicorn

from esig.testing.csc import LocalCscService
from esig.testing.sms import LocalSmsGateway
from esig.testing.smtp import LocalSmtpServer
from esig.testing.softhsm import SoftHsm

from .app import create_app
from .demo import EID_TOKEN, demo_config


def main() -> None:
    """Start the demo portal and its services until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m examples.portal", description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: temporary)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="esig-portal-"))
    base = f"http://127.0.0.1:{args.port}"
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        smtp = stack.enter_context(LocalSmtpServer())
        sms = stack.enter_context(LocalSmsGateway())
        hsm: SoftHsm | None = None
        try:
            hsm = SoftHsm(data / "softhsm")
            hsm.init_tokens(EID_TOKEN)
            notes.append(f"Test eID cards: PIN {hsm.pin}.")
        except (FileNotFoundError, ImportError) as exc:
            print(f"no eID path: {exc}")
            hsm = None
        csc: LocalCscService | None = None
        try:
            csc = stack.enter_context(LocalCscService(data / "csc"))
            notes.append(
                f"Remote signing service: credential {csc.ec_credential_id} is Carla Elliptic's, "
                f"{csc.rsa_credential_id} is Anna de Vries's (the test service checks no PIN)."
            )
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"no remote signing path: {exc}")
        config = demo_config(data, smtp.host, smtp.port, base, hsm=hsm, csc=csc, sms_url=sms.url)
        app = create_app(
            config,
            mailbox=lambda: smtp.messages,
            texts=lambda: sms.messages,
            demo_note=" ".join(notes),
        )
        print(f"esig portal on {base}/ (mailbox: {base}/mailbox; data in {data})")
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
