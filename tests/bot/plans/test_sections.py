from __future__ import annotations

from bot.plans.sections import (
    LEVEL_NUMBER,
    LEVEL_ROMAN,
    code_level,
    dimension_of,
    is_dimension_title,
    split_code,
)


def test_dimension_names_match_loosely() -> None:
    cases = {
        "Tham gia người dân ở cấp cơ sở": "D1",
        "I. THAM GIA CỦA NGƯỜI DÂN Ở CẤP CƠ SỞ": "D1",
        "Công khai, minh bạch": "D2",
        "Cong khai minh bach trong viec ra quyet dinh": "D2",
        "Chỉ số 3: Trách nhiệm giải trình với người dân": "D3",
        "Kiểm soát tham nhũng trong khu vực công": "D4",
        "Thủ tục hành chính công": "D5",
        "Cung ứng dịch vụ công": "D6",
        "Chỉ số Quản trị môi trường": "D7",
        "VIII. Quản trị điện tử.": "D8",
        "D4": "D4",
    }
    assert {text: dimension_of(text) for text in cases} == cases


def test_sections_that_are_not_dimensions() -> None:
    for text in (
        "Công tác lãnh đạo, chỉ đạo",
        "Việc thực hiện dân chủ trong hoạt động của cơ quan, đơn vị",
        "Tham gia các lớp tập huấn, tuyên truyền, phổ biến các trục nội dung Chỉ số PAPI",
    ):
        assert dimension_of(text) is None


def test_sub_dimensions_map_to_their_dimension_but_are_not_titles() -> None:
    assert dimension_of("Công khai danh sách hộ nghèo") == "D2"
    assert not is_dimension_title("Công khai danh sách hộ nghèo")
    assert is_dimension_title("Quản trị điện tử")


def test_code_levels() -> None:
    assert code_level("II") == code_level("IV.") == LEVEL_ROMAN
    assert code_level("3") == LEVEL_NUMBER
    assert code_level("1.2") == LEVEL_NUMBER + 1
    assert code_level("a)") is not None
    assert code_level("Ghi chú") is None
    assert code_level("") is None


def test_split_code() -> None:
    assert split_code("II. Công khai") == ("II", "Công khai")
    assert split_code("a) Tri thức") == ("a", "Tri thức")
    assert split_code("1.2 Tham gia") == ("1.2", "Tham gia")
    assert split_code("100 hộ nghèo") == ("", "100 hộ nghèo")
