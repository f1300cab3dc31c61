"""Time-frame phrases with their expected reading, shared by the tests and the benchmark.

``labelled_rows()`` reads ``shared/data/timeframes.tsv`` (found by walking up from this file:
it sits next to the repository, ``Path(__file__).resolve().parents[3] / "shared"``).
``REFERENCE`` is the table "Reading time-frame phrases" of
``shared/reference/legal-deadlines.md``; ``GENERAL`` is how officials write beyond both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

TSV_NAME: Final = Path("shared") / "data" / "timeframes.tsv"

QUARTER_ENDS_2024: Final = "2024-03-31,2024-06-30,2024-09-30,2024-12-31"
MONTH_ENDS_Q1_2024: Final = "2024-01-31,2024-02-29,2024-03-31"
Q1_2024: Final = "2024-01-01..2024-03-31"
MAY_2024: Final = "2024-05-01..2024-05-31"


@dataclass(frozen=True)
class Case:
    """A phrase and how it must read.

    ``kind`` may be "a|b" (either is right); ``window`` is a year ("2024") or
    "YYYY-MM-DD..YYYY-MM-DD"; ``due`` lists every due date in the window ("-": none,
    "*": not checked); ``offset`` is the event's offset in days.
    """

    text: str
    kind: str
    due: str = "-"
    window: str = "2024"
    plan_year: int = 2024
    offset: int | None = None
    working: bool = False
    milestones: int | None = None
    line: int = 0

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.kind.split("|"))

    @property
    def start(self) -> date:
        return window(self.window)[0]

    @property
    def end(self) -> date:
        return window(self.window)[1]

    @property
    def due_dates(self) -> list[date] | None:
        if self.due == "*":
            return None
        return [] if self.due == "-" else [date.fromisoformat(d) for d in self.due.split(",")]


def window(text: str) -> tuple[date, date]:
    """``"2024"`` -> the whole year; ``"2024-05-01..2024-05-31"`` -> those two dates."""
    if ".." in text:
        first, last = text.split("..")
        return date.fromisoformat(first), date.fromisoformat(last)
    year = int(text)
    return date(year, 1, 1), date(year, 12, 31)


def find_tsv() -> Path | None:
    """The labelled data file, looked for beside every folder above this one."""
    for folder in Path(__file__).resolve().parents:
        if (folder / TSV_NAME).is_file():
            return folder / TSV_NAME
    return None


def labelled_rows() -> list[Case]:
    """Every row of ``timeframes.tsv`` (empty when the file is not there)."""
    path = find_tsv()
    if path is None:
        return []
    rows: list[Case] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        text, plan_year, kind, span, due, offset = line.split("\t")
        rows.append(
            Case(
                text=text,
                kind=kind,
                due=due,
                window=span,
                plan_year=int(plan_year),
                offset=None if offset == "-" else int(offset),
                line=number,
            )
        )
    return rows


REFERENCE: Final = (
    Case("Quý IV/2024", "once", "2024-12-31"),
    Case("Quý IV năm 2024", "once", "2024-12-31"),
    Case("Quý 4/2024", "once", "2024-12-31"),
    Case("Trong tháng 6/2024", "once", "2024-06-30"),
    Case("Tháng 6/2024", "once", "2024-06-30"),
    Case("Năm 2024", "once", "2024-12-31"),
    Case("Trước ngày 30/9/2024", "once", "2024-09-29"),
    Case("Trước tháng 11/2024", "once", "2024-10-31"),
    Case("Chậm nhất ngày 20/10/2024", "once", "2024-10-20"),
    Case("Hoàn thành trong quý II, quý III", "once", "2024-09-30"),
    Case(
        "Ban hành kế hoạch trong quý III; kết luận kiểm tra trong quý IV",
        "once",
        "2024-09-30,2024-12-31",
        milestones=2,
    ),
    Case("Định kỳ hàng quý", "recurring", QUARTER_ENDS_2024),
    Case("Hằng quý", "recurring", QUARTER_ENDS_2024),
    Case("Hàng quý", "recurring", QUARTER_ENDS_2024),
    Case("Hàng quý, 06 tháng, năm", "recurring", QUARTER_ENDS_2024),
    Case("Định kỳ hàng quý, 06 tháng, năm", "recurring", QUARTER_ENDS_2024),
    Case(
        "Chậm nhất ngày 10 của tháng đầu quý",
        "recurring",
        "2024-01-10,2024-04-10,2024-07-10,2024-10-10",
    ),
    Case("Hàng năm", "recurring", "2024-12-31"),
    Case("Hàng năm", "recurring", "2030-12-31", window="2030"),
    Case(
        "Năm 2024 và các năm tiếp theo",
        "recurring",
        "2024-12-31,2025-12-31,2026-12-31",
        window="2023-01-01..2026-12-31",
    ),
    Case(
        "Quý I hàng năm (2021-2025)",
        "recurring",
        "2021-03-31,2022-03-31,2023-03-31,2024-03-31,2025-03-31",
        window="2019-01-01..2027-12-31",
    ),
    Case("Kiểm tra ít nhất 02 đợt trong năm", "recurring", "2024-06-30,2024-12-31"),
    Case(
        "Thứ 3, thứ 5 hàng tuần",
        "recurring",
        "2024-05-02,2024-05-07,2024-05-09",
        window="2024-05-01..2024-05-10",
    ),
    Case("Thường xuyên", "ongoing"),
    Case("Thường xuyên (2021-2025)", "ongoing"),
    Case("2021-2025", "ongoing"),
    Case("Khi có văn bản chỉ đạo của UBND huyện", "event"),
    Case("Sau khi Kế hoạch được UBND huyện phê duyệt", "event"),
    Case("Ngay khi có Quyết định công bố TTHC", "event", offset=0),
    Case("chậm nhất 15 ngày kể từ ngày nhận được văn bản", "event", offset=15),
    Case("Theo quy định", "unspecified"),
    Case("Theo kế hoạch", "unspecified"),
    Case("Theo nhiệm kỳ", "unspecified"),
    Case("Theo hướng dẫn của Sở Nội vụ", "unspecified"),
)

GENERAL: Final = (
    # quarters: Roman or Arabic, any case, no diacritics, odd spaces, old spelling "quí"
    Case("QUÝ IV/2024", "once", "2024-12-31"),
    Case("quy iv/2024", "once", "2024-12-31"),
    Case("Quý  IV /  2024", "once", "2024-12-31"),
    Case("Quý\nIV/2024", "once", "2024-12-31"),
    Case("Quí IV/2024", "once", "2024-12-31"),
    Case("Q4/2024", "once", "2024-12-31"),
    Case("Quý 2", "once", "2024-06-30"),
    Case("quy 1/2025", "once", "2025-03-31", window="2025"),
    Case("Quý I/2025", "once", "-", window="2024"),
    Case("Quý I, quý II năm 2025", "once", "2025-06-30", window="2025"),
    Case("Quý II - III/2024", "once", "2024-09-30"),
    Case("Cuối quý III/2024", "once", "2024-09-30"),
    Case("Đầu quý IV/2024", "once", "2024-10-01"),
    # months
    Case("Tháng 06/2024", "once", "2024-06-30"),
    Case("thang 2/2024", "once", "2024-02-29"),
    Case("Trong tháng 6", "once", "2024-06-30"),
    Case("tháng 12 năm 2024", "once", "2024-12-31"),
    Case("T6/2024", "once", "2024-06-30"),
    Case("Từ tháng 3 đến tháng 6/2024", "once", "2024-06-30"),
    Case("Tháng 5, 6/2024", "once", "2024-06-30"),
    # explicit dates and "trước"
    Case("Trước ngày 15/8", "once", "2024-08-14"),
    Case("truoc ngay 01/01/2025", "once", "2024-12-31"),
    Case("Trước tháng 1/2025", "once", "2024-12-31"),
    Case("Trước quý IV/2024", "once", "2024-09-30"),
    Case("Trước năm 2025", "once", "2024-12-31"),
    Case("Chậm nhất ngày 20 tháng 10 năm 2024", "once", "2024-10-20"),
    Case("cham nhat 20/10/2024", "once", "2024-10-20"),
    Case("Hạn chót: 05.11.2024", "once", "2024-11-05"),
    Case("Từ ngày 01/7/2024 đến ngày 30/9/2024", "once", "2024-09-30"),
    Case("Trước hết, hoàn thành trong quý III/2024", "once", "2024-09-30"),
    Case("15 ngày kể từ ngày 01/7/2024", "once", "2024-07-16"),
    # years and Civil Code terms (đầu/giữa/cuối tháng, giữa năm, cuối năm)
    Case("Năm 2025", "once", "2025-12-31", window="2025"),
    Case("Trong năm 2024", "once", "2024-12-31"),
    Case("Đến năm 2025", "once", "2025-12-31", window="2025"),
    Case("Đầu tháng 7/2024", "once", "2024-07-01"),
    Case("Giữa tháng 6/2024", "once", "2024-06-15"),
    Case("Cuối tháng 2/2024", "once", "2024-02-29"),
    Case("Giữa năm 2024", "once", "2024-06-30"),
    Case("giua nam", "once", "2024-06-30"),
    Case("Cuối năm", "once", "2024-12-31"),
    Case("dau nam 2025", "once", "2025-01-01", window="2025"),
    Case("6 tháng đầu năm", "once", "2024-06-30"),
    Case("06 thang dau nam 2024", "once", "2024-06-30"),
    Case("9 tháng đầu năm", "once", "2024-09-30"),
    Case("6 tháng cuối năm 2024", "once", "2024-12-31"),
    # monthly
    Case("Hàng tháng", "recurring", MONTH_ENDS_Q1_2024, window=Q1_2024),
    Case("hang thang", "recurring", MONTH_ENDS_Q1_2024, window=Q1_2024),
    Case("Cuối mỗi tháng", "recurring", MONTH_ENDS_Q1_2024, window=Q1_2024),
    Case("Đầu mỗi tháng", "recurring", "2024-01-01,2024-02-01,2024-03-01", window=Q1_2024),
    Case("Ngày 15 hàng tháng", "recurring", "2024-01-15,2024-02-15,2024-03-15", window=Q1_2024),
    Case(
        "hang thang (truoc ngay 25)",
        "recurring",
        "2024-01-24,2024-02-24,2024-03-24",
        window=Q1_2024,
    ),
    Case(
        "2 lần/tháng",
        "recurring",
        "2024-01-15,2024-01-31,2024-02-15,2024-02-29",
        window="2024-01-01..2024-02-29",
    ),
    # quarterly
    Case("hằng quý", "recurring", QUARTER_ENDS_2024),
    Case("Cuối mỗi quý", "recurring", QUARTER_ENDS_2024),
    Case("1 lần/quý", "recurring", QUARTER_ENDS_2024),
    Case("4 lần trong năm", "recurring", QUARTER_ENDS_2024),
    Case("Ngày 20 tháng cuối quý", "recurring", "2024-03-20,2024-06-20,2024-09-20,2024-12-20"),
    Case(
        "cham nhat ngay 10 thang dau quy",
        "recurring",
        "2024-01-10,2024-04-10,2024-07-10,2024-10-10",
    ),
    Case("Hàng quý năm 2024", "recurring", QUARTER_ENDS_2024, window="2024-01-01..2025-12-31"),
    Case("Chậm nhất ngày 10 tháng đầu quý IV/2024", "once", "2024-10-10"),
    # yearly, bounded or not, and N times a year
    Case("HÀNG NĂM", "recurring", "2024-12-31"),
    Case("hằng năm", "recurring", "2024-12-31"),
    Case("Tháng 6 và tháng 12 hàng năm", "recurring", "2024-06-30,2024-12-31"),
    Case("Quý II và quý IV hàng năm", "recurring", "2024-06-30,2024-12-31"),
    Case("Trước ngày 31/3 hàng năm", "recurring", "2024-03-30"),
    Case(
        "quy I hang nam (2021 - 2025)", "recurring", "2025-03-31", window="2025-01-01..2026-12-31"
    ),
    Case("Hàng năm (2021-2025)", "recurring", "-", window="2026"),
    Case(
        "Từ năm 2024 và các năm tiếp theo",
        "recurring",
        "2024-12-31,2025-12-31",
        window="2023-01-01..2025-12-31",
    ),
    Case("Hàng năm, từ năm 2022", "recurring", "-", window="2021"),
    Case("Kiểm tra ít nhất 02 đợt trong năm 2021", "recurring", "-", window="2022"),
    Case("2 đợt/năm", "recurring", "2024-06-30,2024-12-31"),
    Case("3 đợt trong năm", "recurring", "2024-04-30,2024-08-31,2024-12-31"),
    Case("12 lần/năm", "recurring", MONTH_ENDS_Q1_2024, window=Q1_2024),
    Case("06 tháng/lần", "recurring", "2024-06-30,2024-12-31"),
    Case("Định kỳ 6 tháng", "recurring", "2024-06-30,2024-12-31"),
    Case("Báo cáo 6 tháng, năm", "recurring", "2024-06-30,2024-12-31"),
    # weekly
    Case(
        "thu 3, thu 5 hang tuan",
        "recurring",
        "2024-05-02,2024-05-07,2024-05-09",
        window="2024-05-01..2024-05-10",
    ),
    Case(
        "Thứ Hai hàng tuần",
        "recurring",
        "2024-05-06,2024-05-13,2024-05-20,2024-05-27",
        window=MAY_2024,
    ),
    Case(
        "Chủ nhật hàng tuần",
        "recurring",
        "2024-05-05,2024-05-12,2024-05-19,2024-05-26",
        window=MAY_2024,
    ),
    Case(
        "Từ thứ 2 đến thứ 6 hàng tuần",
        "recurring",
        "2024-05-06,2024-05-07,2024-05-08,2024-05-09,2024-05-10",
        window="2024-05-06..2024-05-12",
    ),
    Case("Hàng tuần", "recurring", "2024-05-05,2024-05-12", window="2024-05-01..2024-05-18"),
    # ongoing
    Case("Thường xuyên (2021 - 2025)", "ongoing"),
    Case("Giai đoạn 2021-2025", "ongoing"),
    Case("thuong xuyen, lien tuc", "ongoing"),
    Case("Hàng ngày", "ongoing"),
    Case("Từ năm 2024", "ongoing"),
    # events and their offsets
    Case("Chậm nhất 15 ngày (làm việc) kể từ ngày nhận được đơn", "event", offset=15, working=True),
    Case("Trong vòng 07 ngày làm việc sau khi nhận được văn bản", "event", offset=7, working=True),
    Case("trong vong 7 ngay lam viec sau khi co ket qua", "event", offset=7, working=True),
    Case("Ngay sau khi Kế hoạch được phê duyệt", "event", offset=0),
    Case("ngay sau khi ke hoach duoc ban hanh", "event", offset=0),
    Case("Trong vòng 2 tuần kể từ khi có chỉ đạo", "event", offset=14),
    Case("Khi phát sinh", "event"),
    Case("Đột xuất", "event"),
    # nothing to read
    Case("Theo chỉ đạo của cấp trên", "unspecified"),
    Case("Thực hiện theo Quyết định số 710/QĐ-UBND ngày 17/4/2024", "unspecified"),
    Case("Theo Thông tư 02/2021/TT-TTCP", "unspecified"),
    # several clauses: one milestone each
    Case(
        "Ban hành Kế hoạch trong quý III/2024; kết luận kiểm tra trong quý IV/2024",
        "once",
        "2024-09-30,2024-12-31",
        milestones=2,
    ),
    Case(
        "- Quý III/2024: ban hành kế hoạch\n- Quý IV/2024: kiểm tra",
        "once",
        "2024-09-30,2024-12-31",
        milestones=2,
    ),
    Case("Quý IV/2024; thường xuyên rà soát", "once", "2024-12-31", milestones=2),
    Case(
        "Hàng quý; tổng kết trước ngày 15/12/2024",
        "recurring",
        "2024-03-31,2024-06-30,2024-09-30,2024-12-14,2024-12-31",
        milestones=2,
    ),
    Case("Giai đoạn 2021\n- 2025", "ongoing", milestones=1),
)


def all_phrases() -> list[tuple[str, int]]:
    """Every phrase above and in the data file, with its plan year."""
    cases = (*labelled_rows(), *REFERENCE, *GENERAL)
    return [(case.text, case.plan_year) for case in cases]
