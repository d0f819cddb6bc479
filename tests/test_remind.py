"""gydash remind: the digest for the bundled data, posted to a real HTTP server on 127.0.0.1 started here."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import coverage_row

from gydash import cli
from gydash.reminders import remind, webhook

ROOT = Path(__file__).resolve().parent.parent
DATA = str(ROOT / "data")
TODAY = "2026-11-26"
OK = (200, {"errcode": 0, "errmsg": "ok"})


class Robot:
    """A group robot stand-in: answers each POST with the next planned reply (the last one repeats)."""

    def __init__(self, replies: list[tuple[int, dict | str]]):
        self.replies = replies
        self.received: list[dict] = []
        self.paths: list[str] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.received.append(json.loads(body.decode("utf-8")))
                robot.paths.append(self.path)
                status, reply = robot.replies[min(len(robot.received), len(robot.replies)) - 1]
                data = (reply if isinstance(reply, str) else json.dumps(reply)).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=secret-key-4f2a9c"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self) -> list[str]:
        return [m["markdown"].get("content") or m["markdown"]["text"] for m in self.received]


@pytest.fixture
def robot_with(monkeypatch) -> Iterator:
    monkeypatch.setattr(webhook, "BACKOFF", 0.01)  # the real pauses, only shorter
    monkeypatch.delenv("GYDASH_REMIND_WEBHOOK", raising=False)
    monkeypatch.delenv("GYDASH_REMIND_SECRET", raising=False)
    monkeypatch.delenv("GYDASH_REMIND_KIND", raising=False)
    started = []

    def make(*replies) -> Robot:
        robot = Robot(list(replies) or [OK])
        robot.thread.start()
        started.append(robot)
        return robot

    yield make
    for robot in started:
        robot.server.shutdown()
        robot.server.server_close()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["remind", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_bundled_data_gives_a_correct_digest(capsys, robot_with) -> None:
    robot = robot_with(OK)
    code, out, err = run(capsys, DATA, "--today", TODAY, "--days", "14", "--webhook", robot.url, "--kind", "wecom")
    assert code == 0, err
    assert robot.received and all(m["msgtype"] == "markdown" for m in robot.received)
    digest = "\n".join(robot.texts())
    assert digest.startswith("**广元科创党建报送提醒**（2026-11-26）")
    city = digest.split("### 广元市（市本级）\n")[1].split("###")[0]
    assert "- … 进行中：本月科技服务专场 0/2 次，剩 4 天" in city
    assert "- … 进行中：今年科普活动 7/12 次，剩 35 天" in city
    qingchuan = digest.split("### 青川县\n")[1].split("###")[0]
    assert "- ✗ 逾期：两个覆盖台账 2026 年 10 月，应于 2026-10-31 前报送，已逾期 26 天" in qingchuan
    assert "- ✗ 逾期：活动记录 2026 年 10 月，应于 2026-11-05 前报送，已逾期 21 天" in qingchuan
    assert "- ! 即将到期：活动记录 2026 年 11 月，2026-12-05 前报送（还有 9 天）" in qingchuan
    assert "- … 进行中：今年政策宣讲 1/2 次，剩 35 天" in qingchuan
    assert "两个覆盖台账" not in digest.split("### 利州区\n")[1].split("###")[0]  # 利州区 sent its October round
    assert "表扬推荐" not in digest  # due 31 December: 35 days away, beyond 14
    assert "已发送" in out and robot.url not in out + err and "127.0.0.1" not in out + err


def test_wecom_messages_stay_within_4096_bytes_and_keep_each_county_whole(capsys, robot_with) -> None:
    robot = robot_with(OK)
    assert run(capsys, DATA, "--today", TODAY, "--webhook", robot.url, "--kind", "wecom")[0] == 0
    texts = robot.texts()
    assert len(texts) >= 2 and all(len(t.encode("utf-8")) <= 4096 for t in texts)
    assert [t.rsplit("\n", 1)[-1] for t in texts] == [f"（第 {k}/{len(texts)} 条）" for k in range(1, len(texts) + 1)]
    for name in ("广元市（市本级）", "利州区", "青川县", "苍溪县"):
        holding = [t for t in texts if f"### {name}\n" in t]
        assert len(holding) == 1
        block = holding[0].split(f"### {name}\n")[1].split("\n\n")[0]
        assert block.startswith("- ")  # the county's lines follow its heading in the same message


def test_dingtalk_gets_title_and_text_and_a_signed_url(capsys, robot_with, monkeypatch) -> None:
    robot = robot_with(OK)
    monkeypatch.setenv("GYDASH_REMIND_SECRET", "SECabc123")
    assert run(capsys, DATA, "--today", TODAY, "--webhook", robot.url, "--kind", "dingtalk")[0] == 0
    assert len(robot.received) == 1  # about 20000 bytes fit the whole digest
    message = robot.received[0]
    assert message["msgtype"] == "markdown" and message["markdown"]["title"] == "广元科创党建报送提醒（2026-11-26）"
    assert "### 苍溪县" in message["markdown"]["text"]
    query = parse_qs(urlsplit(robot.paths[0]).query)
    assert query["key"] == ["secret-key-4f2a9c"] and query["timestamp"][0].isdigit() and query["sign"][0]


def test_a_server_that_fails_twice_then_succeeds_gets_the_message(capsys, robot_with) -> None:
    robot = robot_with((500, "busy"), (200, {"errcode": 45009, "errmsg": "api freq out of limit"}), OK)
    code, _, err = run(capsys, DATA, "--today", TODAY, "--webhook", robot.url, "--kind", "dingtalk")
    assert code == 0, err
    assert len(robot.received) == 3 and robot.received[0] == robot.received[2]


def test_a_server_that_always_fails_gives_a_chinese_error_without_the_url(capsys, robot_with) -> None:
    robot = robot_with((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    code, out, err = run(capsys, DATA, "--today", TODAY, "--webhook", robot.url, "--kind", "wecom")
    assert code == 1
    assert len(robot.received) == webhook.ATTEMPTS
    assert "提醒未能发送到企业微信群机器人（地址已隐藏）" in err and "errcode 93000" in err
    port = str(robot.server.server_port)
    for secret in (robot.url, "127.0.0.1", port, "secret-key-4f2a9c", "key="):
        assert secret not in out + err


def test_an_unreachable_robot_fails_the_same_way(capsys, robot_with) -> None:
    robot = robot_with(OK)
    url = robot.url
    robot.server.shutdown()
    robot.server.server_close()
    code, _, err = run(capsys, DATA, "--today", TODAY, "--webhook", url, "--kind", "wecom")
    assert code == 1 and "连接失败" in err and url not in err and "127.0.0.1" not in err


def test_the_webhook_comes_from_secrets_toml_or_the_environment(capsys, robot_with, tmp_path, monkeypatch) -> None:
    robot = robot_with(OK)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[remind]\nwebhook = "{robot.url}"\nkind = "wecom"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, DATA, "--today", TODAY)
    assert code == 0 and robot.received and robot.url not in out + err
    other = robot_with(OK)
    monkeypatch.setenv("GYDASH_REMIND_WEBHOOK", other.url)
    assert run(capsys, DATA, "--today", TODAY)[0] == 0 and other.received


def test_without_a_webhook_or_with_an_unknown_host_it_says_what_to_do(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("GYDASH_REMIND_WEBHOOK", raising=False)
    monkeypatch.setattr(remind, "secrets_files", lambda: [tmp_path / "secrets.toml"])
    code, _, err = run(capsys, DATA, "--today", TODAY)
    assert code == 2 and "[remind]" in err and "GYDASH_REMIND_WEBHOOK" in err
    url = "https://robot.example.org/send?token=abcdef123456"
    code, out, err = run(capsys, DATA, "--today", TODAY, "--webhook", url)
    assert code == 2 and "--kind" in err and "example.org" not in out + err and "abcdef123456" not in out + err


def test_print_shows_the_digest_without_posting(capsys) -> None:
    code, out, _ = run(capsys, DATA, "--today", TODAY, "--days", "40", "--print")
    assert code == 0 and "### 剑阁县" in out
    assert "- ! 即将到期：表扬推荐 2026 年度，2026-12-31 前报送（还有 35 天）" in out


def test_a_long_digest_is_split_within_the_limit_never_mid_line(write, load) -> None:
    # 80 rejected 利州区 ledgers waiting for a correction: one county's block alone is longer than a WeCom message.
    for day in range(80):
        bad = [coverage_row(f"公司{day}", "利州区", "2026-10", "2026-10-20") | {"party_members": -1}]
        write("coverage", f"2026-10-20_利州区_{day:02d}.parquet", bad)
    blocks = remind.blocks(load(), date(2026, 11, 26), 14)
    assert len(blocks[2].encode("utf-8")) > 4096 and blocks[2].startswith("### 利州区")
    texts = remind.messages(load(), date(2026, 11, 26), 14, 4096)
    assert len(texts) >= 3 and all(len(t.encode("utf-8")) <= 4096 for t in texts)
    sent = [line for t in texts for line in t.split("\n")]
    for line in blocks[2].split("\n"):
        assert line in sent  # every line of the long block arrives whole
    assert all(t.startswith("**广元科创党建报送提醒**") for t in texts)
    huge = webhook.split(["长" * 3000], 1000)  # one line longer than a message: cut, but at a character boundary
    assert "".join(huge) == "长" * 3000 and all(len(p.encode("utf-8")) <= 840 for p in huge)


def test_mask_hides_the_url_its_query_and_its_key() -> None:
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    text = webhook.mask(
        f"failed {url}; key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa; 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", url
    )
    assert "693a91f6" not in text and "qyapi" not in text
    assert (
        webhook.kind_for(url) == "wecom"
        and webhook.kind_for("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    )
