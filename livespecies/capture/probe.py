"""Why a stream does not open, in plain words: a short RTSP or HTTP exchange over a socket.

OpenCV (FFmpeg) reports every failure to open a stream the same way: not
opened. A user needs to know which of these it was, because each has its own
fix and some must not be retried forever:

    unknown host     the name does not resolve          fix the address
    refused          nothing listens on that port       wrong port, or the camera's service is off
    timed out        no answer at all                   wrong address, firewall, camera down
    unreachable      the network says there is no route wrong subnet, cable, VPN
    not found        the server has no stream there     wrong path (/live, /stream1 …)
    wrong login      the server rejected the user name or password  (retrying locks cameras' accounts)
    needs login      the server asks for credentials the URL does not carry
    not a stream     something answered, not an RTSP/HTTP server

``probe`` sends RTSP ``DESCRIBE`` (the request a player sends first; harmless,
answered without starting the stream) or HTTP ``GET`` and reads only the
status line and headers. It answers Basic and Digest challenges the way
players do, so a wrong password is told apart from a missing one.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Literal
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

Cause = Literal["ok", "unknown host", "refused", "timed out", "unreachable", "not found", "wrong login", "needs login", "not a stream",
                "busy", "error", "unset variable"]  # fmt: skip
# Causes the user has to fix: retrying them cannot help, and retrying a wrong password locks real cameras' accounts.
NEEDS_THE_USER: frozenset[Cause] = frozenset({"wrong login", "needs login"})
# Causes no retry can ever fix: a ${NAME} in the URL whose variable is not set stays unset in this process.
NEVER_RETRIED: frozenset[Cause] = frozenset({"unset variable"})
PROBE_TIMEOUT = 4.0
# "503 busy" is often a moment's state: GStreamer's server answers it for a few milliseconds while it
# tears down the previous viewer's stream. Asked again this many times, a short pause apart.
BUSY_RETRIES, BUSY_PAUSE = 3, 0.2
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443, "rtmp": 1935}
USER_AGENT = "livespecies"
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


@dataclass(frozen=True)
class ProbeResult:
    cause: Cause
    message: str  # one sentence, passwords redacted: shown as is

    @property
    def ok(self) -> bool:
        return self.cause == "ok"


@dataclass(frozen=True)
class Answer:
    """A server's status line and headers (names lower-cased)."""

    protocol: str
    status: int
    reason: str
    headers: dict[str, str]


class _Failed(Exception):
    """A probe that ended with its verdict before any request was answered."""

    def __init__(self, result: ProbeResult) -> None:
        super().__init__(result.message)
        self.result = result


@contextmanager
def probing(url: str, timeout: float = PROBE_TIMEOUT) -> Iterator[ProbeResult]:
    """Ask the server at ``url`` (passwords already filled in) whether it would play the stream.

    An RTSP connection stays open until the caller leaves the block: a server that prepared the stream
    for our ``DESCRIBE`` tears it down when we hang up, and a player connecting in that moment is refused
    (GStreamer's RTSP server: 4–6 of 10 opens failed when the probe hung up first, 0 of 10 when it held on).
    """
    with ExitStack() as held:
        result = _probe(url, timeout, held)
        for _ in range(BUSY_RETRIES):
            if result.cause != "busy":
                break
            held.close()
            time.sleep(BUSY_PAUSE)
            result = _probe(url, timeout, held)
        yield result


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    """``probing`` for a caller that only wants the verdict."""
    with probing(url, timeout) as result:
        return result


def _probe(url: str, timeout: float, held: ExitStack) -> ProbeResult:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return ProbeResult("error", f"the port in {clean_url(parts)} is not a number")
    if port is None:
        return ProbeResult("ok", "")  # udp://, srt://…: nothing to ask before playing
    where = f"{host}:{port}"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_SYSTEM", None)):
            return ProbeResult("unknown host", f"cannot look up the host '{host}': no name server answered (is the network up?)")
        return ProbeResult("unknown host", f"unknown host: the name '{host}' does not resolve")
    except UnicodeError:
        return ProbeResult("unknown host", f"unknown host: '{host}' is not a valid host name")
    family, kind, proto, _, address = addresses[0]

    def connect(stack: ExitStack) -> socket.socket:
        raw = stack.enter_context(socket.socket(family, kind, proto))
        raw.settimeout(timeout)
        try:
            raw.connect(address)
        except ConnectionRefusedError:
            refused = f"refused: nothing listens on {where} (a wrong port, or the camera's stream service is off)"
            raise _Failed(ProbeResult("refused", refused)) from None
        except TimeoutError:
            silent = f"timed out: {where} did not answer within {timeout:g} s (a wrong address, a firewall, or the camera is off)"
            raise _Failed(ProbeResult("timed out", silent)) from None
        except OSError as exc:
            if exc.errno in _UNREACHABLE:
                raise _Failed(ProbeResult("unreachable", f"host unreachable: the network has no route to {host}")) from None
            raise _Failed(ProbeResult("error", f"cannot connect to {where}: {os.strerror(exc.errno) if exc.errno else exc}")) from None
        if scheme not in ("rtsps", "https"):
            return raw
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # cameras use self-signed certificates
        return stack.enter_context(context.wrap_socket(raw, server_hostname=host))

    try:
        with ExitStack() as closed_on_return:
            # Only RTSP holds its connection for the caller; an HTTP camera may serve one client at a time.
            stack = held if scheme in ("rtsp", "rtsps") else closed_on_return
            if scheme == "rtmp":
                connect(stack)
                return ProbeResult("ok", "")  # a binary handshake: that something listens is all we check
            return _ask(lambda: connect(stack), parts, where)
    except _Failed as failed:
        return failed.result
    except TimeoutError:
        return ProbeResult("timed out", f"timed out: {where} accepted the connection but did not answer within {timeout:g} s")
    except ssl.SSLError as exc:
        return ProbeResult("not a stream", f"{where} did not complete a TLS handshake ({exc.reason or exc})")
    except OSError as exc:
        return ProbeResult("error", f"the connection to {where} broke: {os.strerror(exc.errno) if exc.errno else exc}")


def _ask(connect: Callable[[], socket.socket], parts: SplitResult, where: str) -> ProbeResult:
    rtsp = parts.scheme.lower() in ("rtsp", "rtsps")
    method = "DESCRIBE" if rtsp else "GET"
    target = clean_url(parts) if rtsp else (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    user = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    sock = connect()
    reader = sock.makefile("rb")
    answer = _exchange(sock, reader, request(method, target, parts, rtsp, cseq=1))
    if answer is None:
        return ProbeResult("not a stream", f"{where} answered, but not as an {'RTSP' if rtsp else 'HTTP'} server")
    if answer.status == 401 and user is not None:
        authorization = authorization_header(answer.headers.get("www-authenticate", ""), method, target, user, password or "")
        if authorization is not None:
            login = request(method, target, parts, rtsp, cseq=2, authorization=authorization)
            try:
                second = _exchange(sock, reader, login)
            except (ConnectionError, BrokenPipeError):
                second = None
            if second is None:  # servers that close after a 401 (HTTP/1.0 ones): the login goes on a new connection
                sock = connect()
                reader = sock.makefile("rb")
                second = _exchange(sock, reader, login)
            if second is None:
                return ProbeResult("not a stream", f"{where} closed the connection after the login")
            answer = second
    return judge(answer, user is not None, clean_url(parts))


def judge(answer: Answer, sent_login: bool, shown_url: str) -> ProbeResult:
    """What a status code means to the person who typed the URL."""
    status = answer.status
    if 200 <= status < 300:
        return ProbeResult("ok", "")
    if status == 401:
        if sent_login:
            return ProbeResult("wrong login", f"wrong user or password for {shown_url}")
        return ProbeResult("needs login", f"{shown_url} needs a user and password: write rtsp://USER:${{PASSWORD}}@… and set PASSWORD")
    if status == 403:
        return ProbeResult("wrong login", f"the server refuses this user access to {shown_url} (403 Forbidden)")
    if status == 503:
        return ProbeResult("busy", f"the server is busy (503 {answer.reason}): too many viewers, or the stream is starting")
    if status == 404:
        return ProbeResult("not found", f"not found: the server has no stream at {shown_url} (check the path)")
    return ProbeResult("error", f"the server answered {status} {answer.reason} for {shown_url}")


def request(method: str, target: str, parts: SplitResult, rtsp: bool, cseq: int, authorization: str | None = None) -> bytes:
    host = parts.netloc.rsplit("@", 1)[-1]
    lines = [f"{method} {target} {'RTSP' if rtsp else 'HTTP'}/1.{0 if rtsp else 1}"]
    lines += [f"CSeq: {cseq}", "Accept: application/sdp"] if rtsp else [f"Host: {host}", "Accept: */*", "Range: bytes=0-0"]
    lines.append(f"User-Agent: {USER_AGENT}")
    if authorization:
        lines.append(f"Authorization: {authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _exchange(sock: socket.socket, reader: BinaryIO, payload: bytes) -> Answer | None:
    sock.sendall(payload)
    answer = read_answer(reader)
    if answer is not None:
        length = int(answer.headers.get("content-length", "0") or 0)
        if 0 < length <= 65536:
            reader.read(length)  # the SDP or error page: skipped so a second request on this connection reads its own answer
    return answer


def read_answer(reader: BinaryIO) -> Answer | None:
    """Parse ``RTSP/1.0 200 OK`` and the headers after it; None when the bytes are not such an answer."""
    readline = reader.readline
    first = readline(1024).decode("latin-1", "replace").strip()
    match = re.fullmatch(r"(RTSP|HTTP)/\d\.\d\s+(\d{3})\s*(.*)", first)
    if not match:
        return None
    headers: dict[str, str] = {}
    for _ in range(100):
        line = readline(8192).decode("latin-1", "replace").rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        key = name.strip().lower()
        # Servers may offer several challenges (Digest and Basic) on separate lines: keep them all.
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers and key == "www-authenticate" else value.strip()
    return Answer(match.group(1), int(match.group(2)), match.group(3), headers)


def authorization_header(challenge: str, method: str, uri: str, user: str, password: str, cnonce: str | None = None) -> str | None:
    """The answer to a ``WWW-Authenticate`` challenge: Digest when offered (RFC 2617, MD5), else Basic."""
    if re.search(r"\bdigest\b", challenge, re.IGNORECASE):
        digest = re.split(r"\bdigest\b", challenge, maxsplit=1, flags=re.IGNORECASE)[1]
        digest = re.split(r",\s*basic\b", digest, maxsplit=1, flags=re.IGNORECASE)[0]  # a Basic challenge after it is not ours
        fields = {key.lower(): quoted or bare for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]*))', digest)}
        realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
        ha1 = _md5(f"{user}:{realm}:{password}")
        ha2 = _md5(f"{method}:{uri}")
        if "auth" in fields.get("qop", "").split(","):
            cnonce, count = cnonce or os.urandom(8).hex(), "00000001"
            response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={count}, cnonce="{cnonce}"'
        else:
            response, extra = _md5(f"{ha1}:{nonce}:{ha2}"), ""
        opaque = f', opaque="{fields["opaque"]}"' if "opaque" in fields else ""
        return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"{extra}{opaque}'
    if re.search(r"\bbasic\b", challenge, re.IGNORECASE):
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return None


def clean_url(parts: SplitResult) -> str:
    """The URL without user and password: what a request line carries and what messages show."""
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path or "/", parts.query, ""))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()
