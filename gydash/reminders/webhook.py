"""Posting markdown to a WeCom (企业微信) or DingTalk group robot: within its size limit, retried, the URL never shown.

Message formats, as the two platforms document them for group robots:
- WeCom ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``:
  ``{"msgtype": "markdown", "markdown": {"content": …}}``, content at most 4096 bytes (UTF-8);
- DingTalk ``https://oapi.dingtalk.com/robot/send?access_token=…``:
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``, about 20000 bytes; a robot secured by 加签 needs
  ``timestamp`` and ``sign`` (HMAC-SHA256 of "timestamp\\nsecret", Base64) added to the URL.
Both answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}`` on success; any other errcode is a failure.

The URL carries the robot's key, so it is a secret: no message this module makes contains it (``mask``), and
errors from urllib are reworded rather than passed on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

KINDS = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
HOSTS = {"qyapi.weixin.qq.com": "wecom", "oapi.dingtalk.com": "dingtalk"}
LIMITS = {"wecom": 4096, "dingtalk": 20000}  # bytes of markdown content per message
ATTEMPTS = 4
BACKOFF = 1.0  # seconds before the first retry, doubled after each
TIMEOUT = 15


class DeliveryError(Exception):
    """A message that could not be delivered; the text is Chinese and holds no URL."""


def kind_for(url: str, kind: str | None = None) -> str:
    """'wecom' or 'dingtalk': the flag when given, else from the URL's host; ValueError (Chinese) otherwise."""
    if kind:
        if kind not in KINDS:
            raise ValueError(f"群机器人类型只能是 {' / '.join(KINDS)}")
        return kind
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("群机器人地址不是 http(s) 网址，请检查配置（地址已隐藏）")
    found = HOSTS.get(parsed.hostname.lower())
    if found is None:
        raise ValueError("无法从地址判断是企业微信还是钉钉群机器人，请加 --kind wecom 或 --kind dingtalk（地址已隐藏）")
    return found


def payload(kind: str, title: str, text: str) -> dict:
    """The JSON body of one markdown message in the platform's documented format."""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def signed(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """A DingTalk URL with timestamp and sign for a robot secured by 加签 (no secret: the URL unchanged)."""
    if not secret:
        return url
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def mask(text: str, *secrets: str | None) -> str:
    """The text with every secret (the URL, its query, its key) replaced by ***."""
    for secret in secrets:
        if not secret:
            continue
        parts = [secret]
        parsed = urllib.parse.urlsplit(secret)
        if parsed.query:
            parts.append(parsed.query)
            parts += [v for _, v in urllib.parse.parse_qsl(parsed.query) if len(v) >= 6]
        for part in sorted(parts, key=len, reverse=True):
            text = text.replace(part, "***")
    return text


def _once(url: str, body: bytes) -> str | None:
    """None when the robot accepted the message, else why not (Chinese, no URL)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            reply = response.read(65536)
    except urllib.error.HTTPError as exc:
        return f"服务器返回 HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"连接失败（{type(reason).__name__}）"
    try:
        answer = json.loads(reply.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "回复不是 JSON"
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        msg = answer.get("errmsg") if isinstance(answer, dict) else None
        return f"机器人拒绝了消息（errcode {code}：{str(msg)[:80]}）"
    return None


def post(
    url: str,
    body: dict,
    attempts: int | None = None,
    backoff: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    secret: str | None = None,
) -> int:
    """Post one message, retrying with doubling pauses; returns the number of attempts it took.
    DeliveryError (Chinese, URL masked) after the last failed attempt."""
    attempts = ATTEMPTS if attempts is None else attempts
    backoff = BACKOFF if backoff is None else backoff
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    problems = []
    for attempt in range(1, attempts + 1):
        problem = _once(signed(url, secret), data)  # signed afresh: DingTalk refuses a sign older than an hour
        if problem is None:
            return attempt
        problems.append(mask(problem, url, secret))
        if attempt < attempts:
            sleep(backoff * 2 ** (attempt - 1))
    raise DeliveryError(f"尝试 {attempts} 次均失败：{'；'.join(problems)}")


def split(blocks: list[str], limit: int, reserve: int = 160) -> list[str]:
    """Blocks (each a county's lines) packed into messages of at most ``limit - reserve`` bytes: a block goes
    whole into one message when it fits, else line by line; only a single line longer than a whole message is
    cut (at a character boundary). ``reserve`` leaves room for a "第 k/n 条" line added afterwards."""
    room = limit - reserve
    messages: list[str] = []
    current = ""

    def size(text: str) -> int:
        return len(text.encode("utf-8"))

    def add(piece: str, sep: str = "\n\n") -> None:
        nonlocal current
        joined = f"{current}{sep}{piece}" if current else piece
        if size(joined) <= room:
            current = joined
            return
        if current:
            messages.append(current)
        current = piece

    for block in blocks:
        if size(block) <= room:
            add(block)
            continue
        for i, line in enumerate(block.split("\n")):
            sep = "\n\n" if i == 0 else "\n"
            while size(line) > room:  # unavoidable: one line longer than a whole message
                head = line.encode("utf-8")[:room].decode("utf-8", errors="ignore")
                add(head, sep)
                line, sep = line[len(head) :], "\n"
            add(line, sep)
    if current:
        messages.append(current)
    return messages
