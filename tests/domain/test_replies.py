"""The reply grammar and the reply token (domain/replies.py), and reading a message (mail/reading.py): expected
values written by hand."""

import datetime as dt

from ilacs_cli.domain.replies import ReplyLine, check_token, mint_token, parse_reply
from ilacs_cli.mail.reading import read_message

KEY = b"k" * 32
RECEIVED = dt.datetime(2024, 1, 3, 9, 0, tzinfo=dt.UTC)


def test_each_form_of_the_grammar_forgiving_case_punctuation_and_outlook_marks():
    parsed = parse_reply(
        "Hi Sam,\n12 Done\n*13 In Progress: audit half way*\n- 14 BLOCKED - waiting for IT\n"
        "15 note: spoke to the head\n16 new date 30/06/2025: staff away\n#17. done.\n18\u00a0done: ok\n"
        "19 donut\n20 note\nThanks"
    )
    assert parsed.lines == [
        ReplyLine(12, "done", "done", None),
        ReplyLine(13, "in-progress", "in-progress", "audit half way"),
        ReplyLine(14, "blocked", "blocked", "waiting for IT"),
        ReplyLine(15, "note", None, "spoke to the head"),
        ReplyLine(16, "new-date", None, "staff away", dt.date(2025, 6, 30)),
        ReplyLine(17, "done", "done", None),
        ReplyLine(18, "done", "done", "ok"),
    ]
    assert parsed.not_understood == ["19 donut", "20 note"]


def test_a_new_date_that_is_no_day_is_not_understood():
    assert parse_reply("16 new date 31/02/2025: x").not_understood == ["16 new date 31/02/2025: x"]


def test_a_token_binds_the_address_the_actions_and_the_expiry():
    token = mint_token(KEY, "A.Watson@Council.example.gov.uk", [12, 3], dt.date(2025, 1, 1))
    checked = check_token(KEY, "a.watson@council.example.gov.uk", token, dt.date(2025, 1, 1))
    assert (checked.action_ids, checked.expires) == ((3, 12), dt.date(2025, 1, 1))
    assert "not issued to b@x" in check_token(KEY, "b@x", token, dt.date(2025, 1, 1))
    assert check_token(KEY, "a.watson@council.example.gov.uk", token, dt.date(2025, 1, 2)) == (
        "the reply's token expired on 2025-01-01"
    )
    assert "not issued" in check_token(b"x" * 32, "a.watson@council.example.gov.uk", token, dt.date(2025, 1, 1))
    tampered = token.replace(token.split(".")[1], mint_token(KEY, "z@z", [99], dt.date(2025, 1, 1)).split(".")[1])
    assert "not issued" in check_token(KEY, "a.watson@council.example.gov.uk", tampered, dt.date(2025, 1, 1))
    assert check_token(KEY, "a@b", "r1.!!.??", dt.date(2025, 1, 1)) == "the reply's token is not one ilacs writes"


def test_a_message_in_latin_1_with_a_quoted_original_is_read():
    raw = (
        b"From: Anna <a.watson@council.example.gov.uk>\r\nTo: x@y\r\nSubject: RE: ILACS\r\n"
        b"Message-ID: <m@x>\r\nDate: Tue, 02 Jan 2024 09:15:00 +0000\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        b"12 done: caf\xe9 audit\r\n\r\nFrom: ILACS\r\nSent: 02 January 2024\r\nTo: Anna\r\nSubject: x\r\n\r\n"
        b"13 done\r\n"
    )
    reply = read_message(raw, RECEIVED)
    assert (reply.sender, reply.message_id, reply.text) == (
        "a.watson@council.example.gov.uk",
        "<m@x>",
        "12 done: café audit",
    )


def test_a_multipart_bomb_and_a_huge_message_are_not_read():
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\n12 done\r\n" for _ in range(60))
    bomb = b"From: a@b\r\nMessage-ID: <b@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n"
    assert "more than 50 parts" in read_message(bomb, RECEIVED).unreadable
    huge = b"From: a@b\r\nMessage-ID: <h@x>\r\n\r\n" + b"12 done\r\n" * 200_000
    assert "larger than" in read_message(huge, RECEIVED).unreadable


def test_auto_replies_are_known_by_their_headers():
    for header in (b"Auto-Submitted: auto-replied", b"X-Auto-Response-Suppress: All", b"Precedence: auto_reply"):
        raw = b"From: a@b\r\nMessage-ID: <a@x>\r\n" + header + b"\r\n\r\n12 done\r\n"
        assert read_message(raw, RECEIVED).automatic.startswith("an automatic message")
    assert read_message(b"From: a@b\r\nAuto-Submitted: no\r\n\r\n12 done\r\n", RECEIVED).automatic is None
