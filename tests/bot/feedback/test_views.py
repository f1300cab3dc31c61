"""How a case reads for its sender and for the staff handling it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.feedback.views import (
    EVENT_LABELS,
    STATUS_LABELS,
    case_card,
    seal_contact,
    status_label,
    unseal_contact,
)
from bot.i18n import Translator
from db.models import Case, CaseEvent, CaseKind, CaseStatus, Rating

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EN = Translator("en", VN)
VI = Translator("vi", VN)
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=VN)
CONTACT = {"name": "Nguyễn Văn Tố", "phone": "0912 345 678"}


def _case(status: CaseStatus = CaseStatus.NEW, **fields: object) -> Case:
    values: dict[str, object] = {
        "code": "KH-2026-00007",
        "kind": CaseKind.COMPLAINT,
        "topic": "land",
        "text": "<b>The decision</b> on my plot is wrong.  ",
        "status": status,
        "received_at": RECEIVED,
        "accept_due": date(2026, 3, 12),
        "answer_due": None,
        "address": None,
        "latitude": None,
        "longitude": None,
        "answer": None,
        "rating": None,
    }
    values.update(fields)
    case = Case(**values)
    case.events = []
    return case


def _event(action: str, *, note: str | None = None, public: bool = True) -> CaseEvent:
    return CaseEvent(action=action, at=RECEIVED, note=note, public=public)


def test_every_status_and_event_has_words() -> None:
    assert set(STATUS_LABELS) == set(CaseStatus)
    labels = [status_label(s, EN) for s in CaseStatus]
    assert len(set(labels)) == len(labels)
    assert status_label(CaseStatus.CLOSED_UNRESOLVED, EN) == "closed, not resolved"
    assert status_label(CaseStatus.CLOSED, EN) == "closed"
    assert all(status_label(s, VI) for s in CaseStatus)
    for action in ("received", "assigned", "refused", "merged", "answered", "reopened"):
        assert action in EVENT_LABELS


def test_contact_round_trips_through_its_sealed_text() -> None:
    text = seal_contact(CONTACT)
    assert unseal_contact(text) == CONTACT
    assert "Nguyễn Văn Tố" in text  # kept readable for the sealer, which encrypts it
    assert unseal_contact(seal_contact({})) == {}
    assert unseal_contact('["not", "a", "mapping"]') == {}
    assert unseal_contact('{"name": 5}') == {"name": "5"}


def test_the_sender_sees_the_text_as_written_and_no_contact() -> None:
    case = _case()
    case.events = [_event("received")]
    card = case_card(case, EN, unit=None, contact=CONTACT, staff=False)
    lines = card.splitlines()
    assert lines[0] == "KH-2026-00007 — Complaint (khiếu nại) · Land"
    assert lines[1] == "Status: received, waiting to be accepted for resolution"
    assert f"To be accepted for resolution by: {EN.date(date(2026, 3, 12))}" in lines
    assert "Content: <b>The decision</b> on my plot is wrong.  " in lines
    assert "Nguyễn Văn Tố" not in card
    assert "0912" not in card
    assert lines[-2:] == ["History:", f"• {EN.datetime(RECEIVED)} received"]


def test_staff_see_the_contact_they_may_see() -> None:
    case = _case(CaseStatus.ASSIGNED, answer_due=date(2026, 4, 1), accept_due=None)
    card = case_card(case, EN, unit="Địa chính - Xây dựng", contact=CONTACT, staff=True)
    assert "Sender: Nguyễn Văn Tố, 0912 345 678" in card.splitlines()
    assert "Handled by: Địa chính - Xây dựng" in card.splitlines()
    assert f"Resolution due by: {EN.date(date(2026, 4, 1))}" in card.splitlines()
    assert "To be accepted by" not in card
    hidden = case_card(case, EN, unit=None, contact=None, staff=True)
    assert "Sender" not in hidden


def test_an_answer_waiting_for_approval_is_shown_to_staff_only() -> None:
    case = _case(CaseStatus.AWAITING_APPROVAL, answer="Draft answer")
    case.events = [_event("received"), _event("answer_written", public=False)]
    citizen = case_card(case, EN, unit=None, contact=None, staff=False)
    staff = case_card(case, EN, unit=None, contact=None, staff=True)
    assert "Draft answer" not in citizen
    assert citizen.splitlines()[-2:] == ["History:", f"• {EN.datetime(RECEIVED)} received"]
    assert "Answer: Draft answer" in staff.splitlines()
    assert staff.splitlines()[-1].endswith(" answer written")


def test_place_rating_and_reasons_in_the_history() -> None:
    case = _case(
        CaseStatus.CLOSED_UNRESOLVED,
        address="Thôn 3",
        latitude=10.5,
        longitude=106.25,
        answer="We repaired it.",
        rating=Rating.UNSATISFIED,
    )
    case.events = [
        _event("received"),
        _event("refused", note="Send it to the district."),
        _event("merged", note="PA-2026-00001"),
        _event("reopened", note="Still broken"),
    ]
    lines = case_card(case, EN, unit="Văn phòng", contact=None, staff=False).splitlines()
    assert "Status: closed, not resolved" in lines
    assert "Place: Thôn 3" in lines
    assert "Location: 10.5, 106.25" in lines
    assert "Answer: We repaired it." in lines
    assert "Rating: not satisfied" in lines
    when = EN.datetime(RECEIVED)
    assert f"• {when} not accepted for resolution: Send it to the district." in lines
    assert f"• {when} joined to PA-2026-00001" in lines
    assert f"• {when} reopened: Still broken" in lines


def test_the_card_in_vietnamese_dates() -> None:
    card = case_card(_case(), VI, unit=None, contact=None, staff=False)
    assert card.splitlines()[0].startswith("KH-2026-00007 — ")
    assert "12/03/2026" in card
    assert "09:00 02/03/2026" in card


def test_thu_ly_and_resolution_are_for_complaints_and_denunciations_only() -> None:
    vi = Translator("vi")
    for kind in CaseKind:
        legal = kind in {CaseKind.COMPLAINT, CaseKind.DENUNCIATION}
        case = _case(CaseStatus.ASSIGNED, kind=kind, answer_due=date(2026, 4, 1))
        case.events = [_event("accepted")]
        card = case_card(case, vi, unit="Văn phòng", contact=None, staff=False)
        assert ("thụ lý" in card) == legal, kind
        assert ("Hạn giải quyết" in card) == legal, kind
        assert ("Hạn trả lời" in card) != legal, kind
        new = case_card(_case(kind=kind), vi, unit=None, contact=None, staff=False)
        assert ("thụ lý" in new) == legal, kind


def test_the_staff_card_says_the_case_reopened_after_the_citizens_rating() -> None:
    case = _case(CaseStatus.REOPENED)
    staff = case_card(case, EN, unit=None, contact=None, staff=True)
    assert staff.splitlines()[1] == "Status: reopened after the citizen's rating"
    own = case_card(case, EN, unit=None, contact=None, staff=False)
    assert own.splitlines()[1] == "Status: reopened after your rating"
    vi = case_card(case, Translator("vi"), unit=None, contact=None, staff=True)
    assert "của bạn" not in vi.splitlines()[1]


def test_staff_see_a_complainants_home_address() -> None:
    contact = {"name": "Nguyễn Văn Tố", "home": "12 Lê Lợi", "phone": "0912 345 678"}
    card = case_card(_case(), EN, unit=None, contact=contact, staff=True)
    assert "Sender's address: 12 Lê Lợi" in card.splitlines()
