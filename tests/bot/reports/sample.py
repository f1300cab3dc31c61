"""Figures dicts for the report tests: a busy quarter and an empty one."""

from __future__ import annotations

import copy
from typing import Any

from bot.reports.model import ReportFigures

_STATES = (
    "done_on_time",
    "done_late",
    "overdue",
    "due_soon",
    "pending",
    "ongoing",
    "waiting_event",
    "undated",
)


def _counts(*values: int) -> dict[str, int]:
    counts = dict(zip(_STATES, values, strict=True))
    return {"total": sum(values), **counts}


_BY_DIMENSION: list[dict[str, Any]] = [
    {
        "dimension": "D1",
        "name": "Tham gia của người dân ở cấp cơ sở",
        **_counts(3, 1, 1, 0, 1, 0, 0, 0),
        "progress": 0.67,
    },
    {
        "dimension": "D3",
        "name": "Trách nhiệm giải trình với người dân",
        **_counts(2, 0, 1, 1, 0, 1, 0, 0),
        "progress": 0.5,
    },
    {
        "dimension": "D8",
        "name": "Quản trị điện tử",
        **_counts(1, 1, 0, 0, 1, 1, 1, 0),
        "progress": 0.67,
    },
    {"dimension": None, "name": "", **_counts(1, 0, 1, 0, 0, 0, 0, 1), "progress": 0.5},
]

_BY_UNIT: list[dict[str, Any]] = [
    {"unit": "Văn phòng - Thống kê", **_counts(4, 1, 2, 0, 1, 1, 0, 0)},
    {"unit": "Địa chính - Xây dựng", **_counts(2, 1, 1, 1, 1, 1, 1, 0)},
    {"unit": "Văn hóa - Thông tin", **_counts(1, 0, 0, 0, 0, 0, 0, 1)},
]


def _total(key: str) -> int:
    return sum(int(row[key]) for row in _BY_DIMENSION)


SAMPLE: dict[str, Any] = {
    "organization": {
        "id": 1,
        "name": "UBND phường Lương Sơn",
        "parent": "UBND thành phố Sông Công",
        "communes": ["UBND phường Lương Sơn"],
    },
    "period": {"code": "Q3/2024", "start": "2024-07-01", "end": "2024-09-30", "closing": False},
    "as_of": "2024-10-05",
    "tasks": {
        **{key: _total(key) for key in ("total", *_STATES)},
        "by_dimension": _BY_DIMENSION,
        "by_unit": _BY_UNIT,
        "most_overdue": [
            {
                "code": "1.3",
                "task": "Tổ chức hội nghị đối thoại với Nhân dân về thu chi ngân sách",
                "unit": "Văn phòng - Thống kê",
                "due": "2024-09-16",
                "days_late": 19,
            },
            {
                "code": "9.2",
                "task": "Phúc đáp kiến nghị qua Cổng thông tin điện tử",
                "unit": "Văn hóa - Thông tin",
                "due": "2024-09-30",
                "days_late": 5,
            },
        ],
        "done": [
            {
                "code": "2.1",
                "task": "Niêm yết công khai danh sách hộ nghèo tại nhà văn hóa các tổ dân phố",
                "dimension": "D1",
                "unit": "Văn phòng - Thống kê",
                "due": "2024-09-30",
                "done_on": "2024-09-28",
                "late": False,
                "evidence": "bien-ban-niem-yet.pdf",
            },
            {
                "code": "2.4",
                "task": "Họp tổ dân phố lấy ý kiến về đóng góp tự nguyện",
                "dimension": "D1",
                "unit": "Địa chính - Xây dựng",
                "due": "2024-08-15",
                "done_on": "2024-08-20",
                "late": True,
                "evidence": None,
            },
            {
                "code": "9.3",
                "task": "Đăng tải biểu mẫu thủ tục hành chính lên trang thông tin điện tử",
                "dimension": "D8",
                "unit": "Văn phòng - Thống kê",
                "due": "2024-07-31",
                "done_on": "2024-07-25",
                "late": False,
                "evidence": "https://luongson.songcong.thainguyen.gov.vn/thu-tuc",
            },
        ],
        "late": [
            {
                "code": "1.3",
                "task": "Tổ chức hội nghị đối thoại với Nhân dân về thu chi ngân sách",
                "dimension": None,
                "unit": "Văn phòng - Thống kê",
                "due": "2024-09-16",
                "days_late": 19,
                "done_on": None,
                "reasons": ["Chờ kinh phí", "Lãnh đạo đi công tác"],
            },
            {
                "code": "2.4",
                "task": "Họp tổ dân phố lấy ý kiến về đóng góp tự nguyện",
                "dimension": "D1",
                "unit": "Địa chính - Xây dựng",
                "due": "2024-08-15",
                "days_late": 5,
                "done_on": "2024-08-20",
                "reasons": [],
            },
            {
                "code": "4.2",
                "task": "Rà soát quy trình tiếp nhận, xử lý phản ánh, kiến nghị",
                "dimension": "D3",
                "unit": "Văn phòng - Thống kê",
                "due": "2024-09-30",
                "days_late": 5,
                "done_on": None,
                "reasons": ["Chưa có hướng dẫn của cấp trên"],
            },
        ],
    },
    "feedback": {
        "received": 12,
        "answered": 9,
        "answered_on_time": 8,
        "answered_late": 1,
        "open": 2,
        "refused": 1,
        "merged": 0,
        "closed_unresolved": 1,
        "reopened": 1,
        "rated": 6,
        "satisfied": 4,
        "neutral": 1,
        "unsatisfied": 1,
        "satisfaction_rate": 0.67,
        "avg_days_to_answer": 6.5,
        "p90_days_to_answer": 11.0,
        "by_kind": {
            "reflection": {"received": 5, "answered": 4, "answered_on_time": 4, "open": 1},
            "petition": {"received": 4, "answered": 3, "answered_on_time": 2, "open": 1},
            "suggestion": {"received": 2, "answered": 2, "answered_on_time": 2, "open": 0},
            "denunciation": {"received": 1, "answered": 0, "answered_on_time": 0, "open": 0},
        },
        "by_topic": {
            "land": {"received": 3, "answered": 2, "answered_on_time": 2, "open": 1},
            "environment": {"received": 4, "answered": 3, "answered_on_time": 3, "open": 0},
            "infrastructure": {"received": 5, "answered": 4, "answered_on_time": 3, "open": 1},
        },
        "by_unit": {
            "Địa chính - Xây dựng": {
                "received": 7,
                "answered": 5,
                "answered_on_time": 5,
                "open": 1,
            },
            "—": {"received": 5, "answered": 4, "answered_on_time": 3, "open": 1},
        },
        "by_month": [
            {"month": "2024-07", "received": 4, "answered": 3},
            {"month": "2024-08", "received": 5, "answered": 3},
            {"month": "2024-09", "received": 3, "answered": 3},
        ],
        "cases": [
            {
                "code": "PA-2024-00012",
                "kind": "reflection",
                "topic": "land",
                "unit": "Địa chính - Xây dựng",
                "received": "2024-07-03",
                "answer_due": "2024-07-17",
                "answered": "2024-07-10",
                "status": "closed",
                "on_time": True,
            },
            {
                "code": "KN-2024-00007",
                "kind": "petition",
                "topic": "infrastructure",
                "unit": None,
                "received": "2024-08-20",
                "answer_due": None,
                "answered": None,
                "status": "new",
                "on_time": None,
            },
            {
                "code": "GY-2024-00003",
                "kind": "suggestion",
                "topic": "environment",
                "unit": "Địa chính - Xây dựng",
                "received": "2024-09-02",
                "answer_due": "2024-09-12",
                "answered": "2024-09-20",
                "status": "closed_unresolved",
                "on_time": False,
            },
        ],
    },
}

EMPTY: dict[str, Any] = {
    "organization": {
        "id": 2,
        "name": "UBND xã Đồng Hòa",
        "parent": None,
        "communes": ["UBND xã Đồng Hòa"],
    },
    "period": {"code": "6T/2021", "start": "2021-01-01", "end": "2021-06-30", "closing": False},
    "as_of": "2021-07-02",
    "tasks": {
        **dict.fromkeys(("total", *_STATES), 0),
        "by_dimension": [],
        "by_unit": [],
        "most_overdue": [],
        "done": [],
        "late": [],
    },
    "feedback": {
        "received": 0,
        "answered": 0,
        "answered_on_time": 0,
        "answered_late": 0,
        "open": 0,
        "refused": 0,
        "merged": 0,
        "closed_unresolved": 0,
        "reopened": 0,
        "rated": 0,
        "satisfied": 0,
        "neutral": 0,
        "unsatisfied": 0,
        "satisfaction_rate": None,
        "avg_days_to_answer": None,
        "p90_days_to_answer": None,
        "by_kind": {},
        "by_topic": {},
        "by_unit": {},
        "by_month": [],
        "cases": [],
    },
}

PERSONAL = ("Nguyễn Văn An", "0912345678", "an.nguyen@example.com", "Tổ dân phố Cầu Đá")
"""Personal data slipped into the figures by mistake; no document may show it."""


def sample() -> dict[str, Any]:
    """A fresh copy of the busy quarter."""
    return copy.deepcopy(SAMPLE)


def empty() -> dict[str, Any]:
    """A fresh copy of a period with nothing in it."""
    return copy.deepcopy(EMPTY)


def with_personal_data() -> dict[str, Any]:
    """The busy quarter with personal data added where a careless caller might put it."""
    figures = sample()
    name, phone, email, address = PERSONAL
    for case in figures["feedback"]["cases"]:
        case.update({"name": name, "phone": phone, "email": email, "address": address})
    figures["tasks"]["done"][0]["citizen"] = name
    figures["organization"]["contact"] = phone
    return figures


def typed(figures: dict[str, Any]) -> ReportFigures:
    """JSON figures read back as the typed figures the renderers take."""
    return ReportFigures.from_json(figures)
