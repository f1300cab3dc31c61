"""Replies kept in the inbox between handling and delivery come back as they were."""

from __future__ import annotations

from bot.inbox.codec import decode_replies, encode_replies
from bot.messages import Attachment, Button, InfoCard, Reply


def test_replies_with_buttons_files_and_cards_come_back_whole() -> None:
    replies = [
        Reply("Chọn một mục", ((Button("1. Góp ý", "fb:start"), Button("Web", url="https://x")),)),
        Reply("Báo cáo", file=Attachment("bc.pdf", "application/pdf", 4, b"%PDF")),
        Reply("Chia sẻ?", card=InfoCard("Chia sẻ thông tin liên hệ", "Được niêm phong.")),
    ]
    back = decode_replies(encode_replies(replies))
    assert [(r.text, r.buttons, r.card) for r in back] == [
        (r.text, r.buttons, r.card) for r in replies
    ]
    assert back[1].file is not None
    assert (back[1].file.filename, back[1].file.content) == ("bc.pdf", b"%PDF")


def test_replies_kept_before_cards_existed_still_read() -> None:
    [reply] = decode_replies('[{"text": "x", "buttons": [], "file": null}]')
    assert reply == Reply("x")


def test_an_answer_that_keeps_the_numbers_still_keeps_them_after_a_restart() -> None:
    replies = [Reply("Không có nút nào mang số này.", keeps_choices=True), Reply("Tiếp")]
    back = decode_replies(encode_replies(replies))
    assert [r.keeps_choices for r in back] == [True, False]
