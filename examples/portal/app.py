"""The web layer: FastAPI routes, Jinja pages, cookies, CSRF, the upload cap.

Owners log in (demo: by email), upload a PDF, place each signer's box, choose the
method and order, and send. Signers open the emailed link once; it is exchanged for a
short-lived session cookie bound to that signer and envelope. Every form carries the
session's CSRF token; cookies are HttpOnly and SameSite=Strict.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import esig

from .completion import completion_certificate
from .config import METHOD_LABEL, PortalConfig, PortalError, SignerSpec
from .models import Method
from .placement import page_views, place_box, rendered_page
from .service import Portal

HERE = Path(__file__).parent
OWNER_COOKIE, SIGNER_COOKIE = "portal_owner", "portal_signer"
MAX_SIGNERS = 4
log = logging.getLogger("examples.portal")


class UploadCap:
    """Refuse request bodies larger than ``limit`` bytes, before and while reading them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 to a body past the cap; pass everything else through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send)
            return
        seen, over = 0, False

        async def counted() -> Message:
            # Past the cap the body is cut short: whatever the app answers is replaced.
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                over = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def answer(message: Message) -> None:
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await _too_large(send)

        await self.app(scope, counted, answer)


async def _too_large(send: Send) -> None:
    body = b"The upload is too large."
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"connection", b"close"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(
    config: PortalConfig,
    *,
    mailbox: Callable[[], list[Any]] | None = None,
    texts: Callable[[], list[Any]] | None = None,
    demo_note: str = "",
) -> FastAPI:
    """The portal as an ASGI application.

    Args:
        config: The sealing device, trust anchors, SMTP server and limits.
        mailbox: In the demo, the messages the local SMTP server received (shown at
            ``/mailbox``); None in production.
        texts: In the demo, the SMS messages the local gateway received (also shown at
            ``/mailbox``).
        demo_note: In the demo, what a tester needs to know (shown at ``/mailbox``),
            e.g. the test cards' PIN and the remote credentials.

    """
    portal = Portal(config)
    app = FastAPI(title="esig reference portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    secure = config.base_url.startswith("https://")

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def owner_or_none(request: Request) -> Any:
        return portal.owner_for(request.cookies.get(OWNER_COOKIE))

    def check_csrf(expected: str | None, given: str) -> None:
        if not expected or not hmac.compare_digest(expected, given):
            raise PortalError("The form expired; reload the page and try again", 403)

    @app.exception_handler(PortalError)
    async def _refused(request: Request, exc: PortalError) -> HTMLResponse:
        return page(request, "error.html", exc.status, message=str(exc))

    @app.exception_handler(esig.EsigError)
    async def _esig_error(request: Request, exc: esig.EsigError) -> HTMLResponse:
        log.warning("esig refused a request: %s", type(exc).__name__)
        return page(request, "error.html", 400, message=str(exc))

    # -- owners --------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        owner = owner_or_none(request)
        if owner is None:
            return page(request, "login.html")
        return page(
            request,
            "home.html",
            owner=owner,
            envelopes=portal.envelopes(owner),
            methods={m: METHOD_LABEL[m] for m in config.offered()},
            max_signers=MAX_SIGNERS,
            max_mb=config.max_upload_bytes // (1024 * 1024),
        )

    @app.post("/login")
    def login(email: str = Form(...)) -> Response:
        cookie, _owner = portal.login(email)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(OWNER_COOKIE, cookie, httponly=True, samesite="strict", secure=secure)
        return response

    def _owner(request: Request) -> Any:
        owner = owner_or_none(request)
        if owner is None:
            raise PortalError("Log in first", 401)
        return owner

    @app.post("/envelopes")
    async def create(
        request: Request, document: UploadFile, title: str = Form(""), csrf: str = Form("")
    ) -> Response:
        owner = _owner(request)
        check_csrf(owner.csrf, csrf)
        form = await request.form()
        specs = []
        for i in range(1, MAX_SIGNERS + 1):
            name, email, phone = (
                str(form.get(f"{k}{i}", "")).strip() for k in ("name", "email", "phone")
            )
            if not name and not email:
                continue
            try:
                specs.append(
                    SignerSpec(
                        name=name,
                        email=email,
                        method=Method(str(form.get(f"method{i}", ""))),
                        page=int(str(form.get(f"page{i}", "1"))),
                        box=tuple(
                            float(str(form.get(f"{k}{i}", ""))) for k in ("x", "y", "w", "h")
                        ),  # type: ignore[arg-type]
                        phone=phone or None,
                    )
                )
            except ValueError:
                raise PortalError(f"Signer {i}: fill in the method, page and box") from None
        specs = [
            SignerSpec(
                s.name,
                s.email,
                s.method,
                s.page,
                (s.box[0], s.box[1], s.box[0] + s.box[2], s.box[1] + s.box[3]),
                s.phone,
            )
            for s in specs
        ]
        for s in specs:
            if "@" not in s.email or not s.name:
                raise PortalError("Each signer needs a name and an email address")
        data = await document.read()
        envelope_id = portal.create_envelope(owner, title or (document.filename or ""), data, specs)
        return RedirectResponse(f"/envelopes/{envelope_id}", status_code=303)

    @app.get("/envelopes/{envelope_id}", response_class=HTMLResponse)
    def envelope(request: Request, envelope_id: int) -> Response:
        owner = _owner(request)
        found = portal.envelope_of(owner, envelope_id)
        pages = page_views(Path(found.current.path)) if found.status.value == "draft" else []
        return page(
            request,
            "envelope.html",
            owner=owner,
            envelope=found,
            methods=METHOD_LABEL,
            pages=pages,
        )

    @app.get("/envelopes/{envelope_id}/page/{number}.png")
    def owner_page_png(request: Request, envelope_id: int, number: int) -> Response:
        found = portal.envelope_of(_owner(request), envelope_id)
        png = rendered_page(Path(found.current.path), found.current.sha256, number)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    @app.post("/envelopes/{envelope_id}/place")
    def place(
        request: Request,
        envelope_id: int,
        *,
        signer: int = Form(...),
        page_number: int = Form(..., alias="page"),
        x1: float = Form(...),
        y1: float = Form(...),
        x2: float = Form(...),
        y2: float = Form(...),
        csrf: str = Form(""),
    ) -> Response:
        owner = _owner(request)
        check_csrf(owner.csrf, csrf)
        place_box(
            portal, owner, envelope_id, position=signer, page=page_number, box=(x1, y1, x2, y2)
        )
        return RedirectResponse(f"/envelopes/{envelope_id}", status_code=303)

    @app.post("/envelopes/{envelope_id}/send")
    def send(request: Request, envelope_id: int, csrf: str = Form("")) -> Response:
        owner = _owner(request)
        check_csrf(owner.csrf, csrf)
        portal.send(owner, envelope_id)
        return RedirectResponse(f"/envelopes/{envelope_id}", status_code=303)

    @app.get("/envelopes/{envelope_id}/signed.pdf")
    def download(request: Request, envelope_id: int) -> Response:
        path = portal.signed_pdf(_owner(request), envelope_id)
        return FileResponse(
            path, media_type="application/pdf", filename=f"signed-{envelope_id}.pdf"
        )

    @app.get("/envelopes/{envelope_id}/completion.pdf")
    def completion(request: Request, envelope_id: int) -> Response:
        owner = _owner(request)
        found = portal.envelope_of(owner, envelope_id)
        report = portal.verification(owner, envelope_id)
        path = completion_certificate(portal, found, report)
        return FileResponse(
            path, media_type="application/pdf", filename=f"completion-{envelope_id}.pdf"
        )

    # -- signers -------------------------------------------------------------------------

    @app.get("/s/{token}")
    def open_link(token: str) -> Response:
        cookie, _csrf = portal.open_link(token)
        response = RedirectResponse("/signing", status_code=303)
        response.set_cookie(SIGNER_COOKIE, cookie, httponly=True, samesite="strict", secure=secure)
        return response

    def _signer(request: Request) -> Any:
        found = portal.signer_for(request.cookies.get(SIGNER_COOKIE))
        if found is None:
            raise PortalError("Your signing session has ended; open the link in your email", 401)
        return found

    @app.get("/signing", response_class=HTMLResponse)
    def signing(request: Request) -> Response:
        signer, session_row = _signer(request)
        if signer.status.value == "signed":
            return page(request, "done.html", signer=signer)
        presented = portal.present(signer)
        return page(
            request,
            "sign.html",
            signer=signer,
            csrf=session_row.csrf,
            disclosure=portal.disclosure(signer),
            acknowledged=portal.acknowledged(signer),
            pages=range(1, (presented.page_count if presented else 0) + 1),
            sha256=presented.document_sha256 if presented else "",
            code_sent=signer.code_id is not None,
            methods=METHOD_LABEL,
            message=request.query_params.get("m", ""),
        )

    @app.get("/signing/page/{number}.png")
    def page_png(request: Request, number: int) -> Response:
        signer, _row = _signer(request)
        return Response(
            portal.page(signer, number),
            media_type="image/png",
            headers={"Cache-Control": "no-store"},
        )

    @app.post("/signing/acknowledge")
    def acknowledge(
        request: Request, content_hash: str = Form(...), csrf: str = Form("")
    ) -> Response:
        signer, row = _signer(request)
        check_csrf(row.csrf, csrf)
        portal.acknowledge(signer, content_hash)
        return RedirectResponse("/signing", status_code=303)

    @app.post("/signing/code/send")
    def send_code(request: Request, csrf: str = Form("")) -> Response:
        signer, row = _signer(request)
        check_csrf(row.csrf, csrf)
        portal.send_code(signer)
        return RedirectResponse("/signing?m=sent", status_code=303)

    @app.post("/signing/code")
    def enter_code(request: Request, code: str = Form(...), csrf: str = Form("")) -> Response:
        signer, row = _signer(request)
        check_csrf(row.csrf, csrf)
        portal.enter_code(signer, code)
        return RedirectResponse("/signing", status_code=303)

    @app.post("/signing/draw")
    def draw(
        request: Request, png: str = Form(...), strokes: str = Form(...), csrf: str = Form("")
    ) -> Response:
        signer, row = _signer(request)
        check_csrf(row.csrf, csrf)
        image, path = decode_drawing(png, strokes)
        portal.draw(signer, image, path)
        return RedirectResponse("/signing", status_code=303)

    @app.post("/signing/key")
    def sign_with_key(
        request: Request,
        pin: str = Form(""),
        credential: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        signer, row = _signer(request)
        check_csrf(row.csrf, csrf)
        portal.sign_own_key(signer, pin, credential)
        return RedirectResponse("/signing", status_code=303)

    if mailbox is not None:

        @app.get("/mailbox", response_class=HTMLResponse)
        def show_mailbox(request: Request) -> Response:
            return page(
                request,
                "mailbox.html",
                messages=list(reversed(mailbox())),
                texts=list(reversed(texts())) if texts is not None else [],
                note=demo_note,
            )

    app.add_middleware(UploadCap, limit=config.max_upload_bytes)
    return app


def decode_drawing(
    png_data_url: str, strokes_json: str
) -> tuple[bytes, list[list[tuple[float, float, float]]]]:
    """The PNG and strokes the canvas script posts (a data: URL and JSON)."""
    prefix = "data:image/png;base64,"
    if not png_data_url.startswith(prefix):
        raise PortalError("The drawing is not a PNG")
    try:
        png = base64.b64decode(png_data_url[len(prefix) :], validate=True)
        raw = json.loads(strokes_json)
        strokes = [[(float(x), float(y), float(t)) for x, y, t in stroke] for stroke in raw]
    except (ValueError, TypeError) as exc:
        raise PortalError(f"The drawing could not be read: {exc}") from None
    if not strokes or not any(strokes):
        raise PortalError("Draw your signature first")
    return png, strokes
