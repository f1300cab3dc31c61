from __future__ import annotations

from bot.plans.headers import Role, find_header, is_column_number_row, role_of
from bot.plans.readers import RawTable


def test_header_words_in_their_usual_variants() -> None:
    expected = {
        "STT": Role.CODE,
        "Số TT": Role.CODE,
        "TT": Role.CODE,
        "Nhiệm vụ": Role.TASK,
        "Nội dung nhiệm vụ": Role.TASK,
        "Nhiệm vụ trọng tâm": Role.TASK,
        "Chỉ số nội dung": Role.DIMENSION,
        "Nội dung thành phần": Role.SUBDIMENSION,
        "Chỉ tiêu": Role.TARGET,
        "Kết quả": Role.OUTPUT,
        "Kết quả thực hiện": Role.OUTPUT,
        "Sản phẩm": Role.OUTPUT,
        "Cơ quan chủ trì": Role.LEAD,
        "Đơn vị thực hiện": Role.LEAD,
        "Cơ quan thực hiện (tham mưu)": Role.LEAD,
        "Trách nhiệm thực hiện": Role.LEAD,
        "Cơ quan phối hợp": Role.PARTNERS,
        "Đơn vị phối hợp": Role.PARTNERS,
        "Thời gian thực hiện": Role.TIME,
        "Thời gian hoàn thành": Role.TIME,
        "Thời chậm nhất hoàn thành": Role.TIME,
        "THỜI GIAN CHẬM NHẤT HOÀN THÀNH": Role.TIME,
        "Ghi chú": None,
    }
    assert {label: role_of(label) for label in expected} == expected


def test_header_found_below_a_title_row_in_any_order() -> None:
    table = RawTable(
        [
            ["PHÂN CÔNG NHIỆM VỤ", "", "", ""],
            ["Thời gian", "Đơn vị chủ trì", "Nội dung", "TT"],
            ["Quý I", "UBND", "Việc", "1"],
        ]
    )
    header = find_header(table)
    assert header is not None
    assert (header.start, header.row) == (1, 1)
    assert header.columns == {Role.TIME: 0, Role.LEAD: 1, Role.TASK: 2, Role.CODE: 3}


def test_two_row_header_refines_the_merged_group() -> None:
    table = RawTable(
        [
            ["Số TT", "Nội dung", "Trách nhiệm thực hiện", "", "Thời gian"],
            ["", "", "Chủ trì", "Phối hợp", ""],
            ["1", "Việc", "A", "B", "Quý I"],
        ]
    )
    header = find_header(table)
    assert header is not None
    assert header.row == 1
    assert header.columns[Role.LEAD] == 2
    assert header.columns[Role.PARTNERS] == 3


def test_table_without_header_words_has_no_header() -> None:
    assert (
        find_header(RawTable([["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]])) is None
    )


def test_column_number_row() -> None:
    assert is_column_number_row(["(1)", "(2)", "(3)", ""])
    assert not is_column_number_row(["1", "Tổ chức hội nghị", "UBND"])
