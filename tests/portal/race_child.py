"""One process that tries to sign for a signer, for the cross-process race test.

``python -m tests.portal.race_child DATA SMTP_PORT SIGNER_ID GO_FILE``: open the portal's
database in DATA, print ``ready``, wait until GO_FILE exists, then submit the signer's
drawing; print ``signed`` or ``refused <status>``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from examples.portal.config import PortalError
from examples.portal.demo import demo_config
from examples.portal.models import Signer
from examples.portal.service import Portal

from tests.portal.flows import drawing


def main() -> None:
    """Race for the signer's turn."""
    data, smtp_port, signer_id, go = sys.argv[1:5]
    config = demo_config(Path(data), "127.0.0.1", int(smtp_port), "http://127.0.0.1:9")
    portal = Portal(config)
    with portal.sessions() as db:
        signer = db.get(Signer, int(signer_id))
        assert signer is not None
        _ = signer.envelope.title
    png_url, strokes = drawing()
    from examples.portal.app import decode_drawing

    png, path = decode_drawing(png_url, strokes)
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.005)
    try:
        portal.draw(signer, png, path)
        print("signed")
    except PortalError as exc:
        print(f"refused {exc.status}")


if __name__ == "__main__":
    main()
