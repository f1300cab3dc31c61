from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.i18n import Translator
from bot.plans import (
    CorruptFile,
    EncryptedFile,
    FileTooLarge,
    MissingColumn,
    NoTaskTable,
    UnsupportedFormat,
    YearNotFound,
    parse_plan,
    unit_key,
)
from bot.plans.readers import OLE_MAGIC
from tests.bot.plans import crafted
from tests.bot.plans.builders import fake_timeframe, write_csv, write_docx, write_xlsx

if TYPE_CHECKING:
    from pathlib import Path

    from bot.plans import ParsedPlan

HEADER = ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]
BODY = [
    ["I", "Tham gia của người dân ở cấp cơ sở", "", "", ""],
    ["1", "Tuyên truyền pháp luật", "Phòng Tư pháp; UBND các xã, phường", "", "Năm 2024"],
    ["2", "Mở sổ ghi chép", "Công chức VH-XH, Đài truyền thanh xã", "Ủy ban MTTQ", "Theo quy định"],
    ["II", "Công tác lãnh đạo, chỉ đạo", "", "", ""],
    ["3", "Họp giao ban", "UBND xã", "", ""],
]


def _parse(path: Path, **options: object) -> ParsedPlan:
    return parse_plan(path, timeframe_parser=fake_timeframe, **options)  # type: ignore[arg-type]


def _summary(plan: ParsedPlan) -> list[tuple[str, str | None, str | None, str, list[str]]]:
    return [(t.code, t.section, t.dimension, t.task, t.lead) for t in plan.tasks]


EXPECTED = [
    (
        "1",
        "Tham gia của người dân ở cấp cơ sở",
        "D1",
        "Tuyên truyền pháp luật",
        ["Phòng Tư pháp", "UBND các xã, phường"],
    ),
    (
        "2",
        "Tham gia của người dân ở cấp cơ sở",
        "D1",
        "Mở sổ ghi chép",
        ["Công chức VH-XH", "Đài truyền thanh xã"],
    ),
    ("3", "Công tác lãnh đạo, chỉ đạo", None, "Họp giao ban", ["UBND xã"]),
]


def test_same_tasks_from_docx_xlsx_and_csv(tmp_path: Path) -> None:
    rows = [HEADER, *BODY]
    docx_plan = _parse(
        write_docx(tmp_path / "p.docx", rows, paragraphs=["KẾ HOẠCH", "Cải thiện PAPI năm 2024"])
    )
    xlsx_plan = _parse(write_xlsx(tmp_path / "p.xlsx", [["KẾ HOẠCH NĂM 2024"], *rows]))
    csv_plan = _parse(write_csv(tmp_path / "p.csv", rows))
    assert _summary(docx_plan) == _summary(xlsx_plan) == _summary(csv_plan) == EXPECTED
    assert docx_plan.title == "Cải thiện PAPI năm 2024"
    assert docx_plan.year == xlsx_plan.year == csv_plan.year == 2024
    flags = {t.code: t.flags for t in csv_plan.tasks}
    assert flags == {
        "1": [],
        "2": ["unspecified_deadline"],
        "3": ["no_deadline", "unknown_dimension"],
    }
    assert csv_plan.tasks[1].partners == ["Ủy ban MTTQ"]
    assert csv_plan.source == "p.csv"


def test_tab_separated_csv_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [HEADER, *BODY], delimiter="\t", bom=True)
    assert _summary(_parse(path)) == EXPECTED


def test_columns_in_another_order(tmp_path: Path) -> None:
    order = [4, 2, 1, 0, 3]
    rows = [[row[i] for i in order] for row in [HEADER, *BODY]]
    assert _summary(_parse(write_csv(tmp_path / "p.csv", rows))) == EXPECTED


def test_merged_section_rows_and_two_row_header_in_docx(tmp_path: Path) -> None:
    rows = [
        [
            "Số TT",
            "Nội dung nhiệm vụ",
            "Trách nhiệm thực hiện",
            "",
            "Kết quả",
            "Thời gian hoàn thành",
        ],
        ["", "", "Cơ quan chủ trì", "Cơ quan phối hợp", "", ""],
        ["I", "Công khai, minh bạch", "", "", "", ""],
        ["Công khai danh sách hộ nghèo", "", "", "", "", ""],
        [
            "1",
            "Rà soát hộ nghèo",
            "Phòng LĐ-TB&XH",
            "UBND các xã, phường",
            "Danh sách",
            "Quý IV/2024",
        ],
        ["2", "Niêm yết danh sách", "UBND các xã, phường", "", "Niêm yết", "Năm 2024"],
    ]
    merges = [
        (0, 0, 1, 0),
        (0, 1, 1, 1),
        (0, 2, 0, 3),
        (0, 4, 1, 4),
        (0, 5, 1, 5),
        (2, 1, 2, 5),
        (3, 0, 3, 5),
    ]
    plan = _parse(write_docx(tmp_path / "p.docx", rows, merges=merges))
    assert [(t.code, t.section, t.subsection, t.dimension) for t in plan.tasks] == [
        ("1", "Công khai, minh bạch", "Công khai danh sách hộ nghèo", "D2"),
        ("2", "Công khai, minh bạch", "Công khai danh sách hộ nghèo", "D2"),
    ]
    assert plan.tasks[0].lead == ["Phòng LĐ-TB&XH"]
    assert plan.tasks[0].partners == ["UBND các xã, phường"]
    assert plan.tasks[0].output == "Danh sách"


def test_numbered_sub_sections_and_tasks_without_lead(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["1", "Công tác lãnh đạo, chỉ đạo", "", "", ""],
        ["1.1", "Ban hành kế hoạch", "CC VP-TK", "", "Quý I/2024"],
        ["1.2", "Tham gia các lớp tập huấn", "", "", ""],
        ["2", "Quản trị môi trường", "", "", ""],
        ["2.1", "Thu gom rác", "", "", ""],
        ["2.2", "Chất lượng không khí", "", "", ""],
        ["a)", "Đo bụi", "CC ĐC-XD", "", "Quý II/2024"],
        ["-", "Đo tiếng ồn", "CC ĐC-XD", "", "Quý III/2024"],
    ]
    plan = _parse(write_csv(tmp_path / "p.csv", rows))
    assert [(t.code, t.section, t.subsection, t.dimension, t.flags) for t in plan.tasks] == [
        ("1.1", "Công tác lãnh đạo, chỉ đạo", None, None, ["unknown_dimension"]),
        ("1.2", "Công tác lãnh đạo, chỉ đạo", None, None, ["no_deadline", "unknown_dimension"]),
        ("2.1", "Quản trị môi trường", None, "D7", ["no_deadline"]),
        ("a", "Quản trị môi trường", "Chất lượng không khí", "D7", []),
        # A bullet has no number: section 2, third task.
        ("2.3", "Quản trị môi trường", "Chất lượng không khí", "D7", []),
    ]


def test_dimension_and_sub_dimension_columns(tmp_path: Path) -> None:
    rows = [
        ["Chỉ số nội dung", "Nội dung thành phần", "Nhiệm vụ", "Đơn vị thực hiện", "Thời gian"],
        [
            "Quản trị điện tử",
            "Sử dụng cổng thông tin điện tử",
            "Cập nhật tin bài",
            "CC VH-XH",
            "Năm 2024",
        ],
        ["", "", "Trả lời phản ánh", "CC VP-TK", "Năm 2024"],
        ["Công tác chỉ đạo", "", "Họp", "UBND", "Năm 2024"],
    ]
    xlsx = _parse(write_xlsx(tmp_path / "p.xlsx", rows, merges=[(1, 0, 2, 0), (1, 1, 2, 1)]))
    csv = _parse(write_csv(tmp_path / "p.csv", rows))
    expected = [
        ("Quản trị điện tử", "Sử dụng cổng thông tin điện tử", "D8", "Cập nhật tin bài"),
        ("Quản trị điện tử", "Sử dụng cổng thông tin điện tử", "D8", "Trả lời phản ánh"),
        ("Công tác chỉ đạo", None, None, "Họp"),
    ]
    for plan in (xlsx, csv):
        assert [(t.section, t.subsection, t.dimension, t.task) for t in plan.tasks] == expected
    assert "merged_cell" not in xlsx.tasks[1].flags


def test_vertically_merged_task_cell_gives_one_task_per_row(tmp_path: Path) -> None:
    rows = [
        ["TT", "Nhiệm vụ", "Chỉ tiêu", "Chủ trì", "Thời hạn"],
        ["1", "Nâng cao sự hài lòng", "Hài lòng ≥ 90%", "Bộ phận một cửa", "Quý II/2024"],
        ["", "", "Trả lời 100% phản ánh", "CC VP-TK", "Quý IV/2024"],
        ["2", "Họp dân", "Mỗi quý một lần", "Trưởng thôn", "Năm 2024"],
    ]
    merges = [(1, 0, 2, 0), (1, 1, 2, 1)]
    for path in (
        write_docx(tmp_path / "p.docx", rows, merges=merges),
        write_xlsx(tmp_path / "p.xlsx", rows, merges=merges),
        write_csv(tmp_path / "p.csv", rows),
    ):
        plan = _parse(path)
        # The repeated "1" becomes section and position, so each row has a code of its own.
        assert [(t.code, t.task, t.target, t.lead) for t in plan.tasks] == [
            ("1.1", "Nâng cao sự hài lòng", "Hài lòng ≥ 90%", ["Bộ phận một cửa"]),
            ("1.2", "Nâng cao sự hài lòng", "Trả lời 100% phản ánh", ["CC VP-TK"]),
            ("2", "Họp dân", "Mỗi quý một lần", ["Trưởng thôn"]),
        ], path.suffix
        assert ["merged_cell" in t.flags for t in plan.tasks] == [True, True, False], path.suffix


def test_table_missing_the_lead_column(tmp_path: Path) -> None:
    rows = [["STT", "Nhiệm vụ", "Kết quả", "Thời gian"], ["1", "Việc", "Báo cáo", "Năm 2024"]]
    with pytest.raises(MissingColumn) as caught:
        _parse(write_docx(tmp_path / "p.docx", rows))
    assert caught.value.column == "lead"
    assert "Nhiệm vụ" in caught.value.message(Translator("en"))


def test_table_missing_the_task_column(tmp_path: Path) -> None:
    rows = [["STT", "Cơ quan chủ trì", "Thời gian"], ["1", "UBND", "Năm 2024"]]
    with pytest.raises(MissingColumn) as caught:
        _parse(write_csv(tmp_path / "p.csv", rows))
    assert caught.value.column == "task"


def test_unrelated_table_is_skipped_when_a_task_table_exists(tmp_path: Path) -> None:
    rows = [["STT", "Chỉ tiêu", "Kết quả năm 2023"], *([["1", "Việc", "UBND"]])]
    path = write_csv(tmp_path / "p.csv", [*rows, [], HEADER, *BODY])
    plan = _parse(path)
    assert len(plan.tasks) == len(EXPECTED)
    assert plan.warnings


def test_no_task_table(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "p.docx", [["ỦY BAN NHÂN DÂN", "CỘNG HÒA"]], paragraphs=["KẾ HOẠCH"]
    )
    with pytest.raises(NoTaskTable):
        _parse(path)
    with pytest.raises(NoTaskTable):
        _parse(write_csv(tmp_path / "p.csv", [["a", "b"], ["c", "d"]]))


def test_file_errors_surface_from_parse_plan(tmp_path: Path) -> None:
    doc = tmp_path / "old.doc"
    doc.write_bytes(OLE_MAGIC + b"\0" * 100)
    locked = tmp_path / "locked.docx"
    locked.write_bytes(crafted.encrypted_ooxml())
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04broken")
    big = write_csv(tmp_path / "big.csv", [HEADER, *BODY])
    with pytest.raises(UnsupportedFormat):
        _parse(doc)
    with pytest.raises(EncryptedFile):
        _parse(locked)
    with pytest.raises(CorruptFile):
        _parse(broken)
    with pytest.raises(FileTooLarge):
        _parse(big, max_bytes=100)


def test_every_error_explains_itself_naming_the_file(tmp_path: Path) -> None:
    t = Translator("en")
    errors = [
        UnsupportedFormat("a.doc", ".doc"),
        UnsupportedFormat("a.pdf", ".pdf"),
        CorruptFile("a.docx", "bad zip"),
        EncryptedFile("a.docx"),
        FileTooLarge("a.docx", 30 * 1024 * 1024, 20 * 1024 * 1024),
        NoTaskTable("a.docx"),
        MissingColumn("a.docx", "task", ["STT"]),
        MissingColumn("a.docx", "lead", ["STT"]),
        YearNotFound("a.docx"),
    ]
    messages = [error.message(t) for error in errors]
    assert all(("a.doc" in m or "a.pdf" in m) for m in messages)
    assert len(set(messages)) == len(messages)
    assert "20" in messages[4]
    assert "30" in messages[4]


def test_year_argument_overrides_and_missing_year_is_an_error(tmp_path: Path) -> None:
    rows = [HEADER, ["1", "Việc", "UBND", "", "Thường xuyên"]]
    path = write_csv(tmp_path / "p.csv", rows)
    with pytest.raises(YearNotFound):
        _parse(path)
    assert _parse(path, year=2026).year == 2026
    dated = write_csv(tmp_path / "d.csv", [HEADER, *BODY])
    assert _parse(dated, year=2025).year == 2025


def test_directory_flags_new_and_ambiguous_units(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [HEADER, *BODY])
    directory = {
        unit_key("Phòng Tư pháp"): 1,
        unit_key("UBND các xã, phường"): 2,
        unit_key("UBND xã"): 3,
    }
    plan = _parse(path, directory=directory)
    flags = {t.code: t.flags for t in plan.tasks}
    assert "new_unit" not in flags["1"]
    assert "new_unit" in flags["2"]
    assert "new_unit" not in flags["3"]
    unflagged = _parse(path)
    assert not any("new_unit" in t.flags for t in unflagged.tasks)


def test_large_generated_plan(tmp_path: Path) -> None:
    rows = [HEADER]
    for section in range(1, 21):
        rows.append([str(section), f"Lĩnh vực {section}", "", "", ""])
        rows += [
            [
                f"{section}.{n}",
                f"Nhiệm vụ {section}.{n}",
                "UBND xã; Công an xã",
                "Ủy ban MTTQ",
                "Năm 2024",
            ]
            for n in range(1, 101)
        ]
    plan = _parse(write_csv(tmp_path / "big.csv", rows))
    assert len(plan.tasks) == 2000
    assert plan.tasks[-1].code == "20.100"
    assert plan.tasks[-1].section == "Lĩnh vực 20"


@pytest.mark.parametrize(
    "merges",
    [
        [(1, 1, 3, 1)],
        [(1, 0, 3, 0), (1, 1, 3, 1)],
        [(1, 0, 3, 0), (1, 1, 3, 1), (1, 4, 3, 4)],
    ],
    ids=["task", "number-and-task", "number-task-and-time"],
)
def test_a_task_cell_merged_over_empty_rows_is_one_task_in_every_format(
    tmp_path: Path, merges: list[tuple[int, int, int, int]]
) -> None:
    rows = [
        ["TT", "Nhiệm vụ", "Chỉ tiêu", "Chủ trì", "Thời hạn"],
        ["1", "Nâng cao sự hài lòng", "Hài lòng ≥ 90%", "Bộ phận một cửa", "Quý II/2024"],
        ["", "", "", "", ""],
        ["", "", "", "", ""],
        ["2", "Họp dân", "Mỗi quý một lần", "Trưởng thôn", "Năm 2024"],
    ]
    parsed = {
        path.suffix: _parse(path)
        for path in (
            write_docx(tmp_path / "p.docx", rows, merges=merges),
            write_xlsx(tmp_path / "p.xlsx", rows, merges=merges),
            write_csv(tmp_path / "p.csv", rows),
        )
    }
    for suffix, plan in parsed.items():
        assert [(t.code, t.task, t.target, t.lead, t.timeframe_text) for t in plan.tasks] == [
            ("1", "Nâng cao sự hài lòng", "Hài lòng ≥ 90%", ["Bộ phận một cửa"], "Quý II/2024"),
            ("2", "Họp dân", "Mỗi quý một lần", ["Trưởng thôn"], "Năm 2024"),
        ], suffix
        assert plan.warnings == [], suffix
    assert parsed[".docx"].tasks == parsed[".xlsx"].tasks == parsed[".csv"].tasks


def test_repeated_or_missing_numbers_become_section_and_position(tmp_path: Path) -> None:
    rows = [HEADER]
    for section in ("I", "II", "III"):
        rows.append([section, f"Phần {section}: Công khai, minh bạch", "", "", ""])
        rows += [["1", f"Việc {section}-{i}", "CC VP-TK", "", "Quý IV/2024"] for i in range(4)]
    rows.append(["", "Việc không số", "CC VP-TK", "", "Quý IV/2024"])
    rows.append(["1.2", "Việc có số riêng", "CC VP-TK", "", "Quý IV/2024"])
    plan = _parse(write_csv(tmp_path / "p.csv", rows))
    codes = [t.code for t in plan.tasks]
    # "1.2" is the document's own number for the last task: the derived one steps aside.
    assert codes == [
        *("1.1", "1.2b", "1.3", "1.4"),
        *("2.1", "2.2", "2.3", "2.4"),
        *("3.1", "3.2", "3.3", "3.4", "3.5"),
        "1.2",
    ]
    assert len(set(codes)) == len(codes)
    # The same file gives the same codes again.
    assert [t.code for t in _parse(write_csv(tmp_path / "q.csv", rows)).tasks] == codes
