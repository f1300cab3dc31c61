"""PAPI's eight dimensions: codes, names in Vietnamese and English, and their sub-dimensions.

The one definition every part of the bot reads: the plan importer matches section names
against it, reports and public pages name dimensions with it (``reference/papi.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Dimension:
    """A PAPI dimension with its official names and the sub-dimensions plans cite."""

    code: str
    vi: str
    en: str
    parts: tuple[str, ...]

    @property
    def names(self) -> tuple[str, str]:
        """The Vietnamese and English names."""
        return self.vi, self.en

    def name(self, locale: str) -> str:
        """The name in a reader's language (Vietnamese unless English is asked for)."""
        return self.en if locale == "en" else self.vi


DIMENSIONS: Final = (
    Dimension(
        "D1",
        "Tham gia của người dân ở cấp cơ sở",
        "Participation at local levels",
        (
            "Tri thức công dân",
            "Cơ hội tham gia",
            "Chất lượng bầu cử trưởng thôn tổ trưởng tổ dân phố",
            "Đóng góp tự nguyện",
        ),
    ),
    Dimension(
        "D2",
        "Công khai, minh bạch trong việc ra quyết định ở địa phương",
        "Transparency in local decision-making",
        (
            "Tiếp cận thông tin",
            "Công khai danh sách hộ nghèo",
            "Công khai thu chi ngân sách cấp xã",
            "Công khai quy hoạch, kế hoạch sử dụng đất và khung giá đất",
        ),
    ),
    Dimension(
        "D3",
        "Trách nhiệm giải trình với người dân",
        "Vertical accountability",
        (
            "Mức độ và hiệu quả tiếp xúc với chính quyền",
            "Giải quyết khiếu nại, tố cáo, kiến nghị, phản ánh",
            "Tiếp cận dịch vụ tư pháp",
        ),
    ),
    Dimension(
        "D4",
        "Kiểm soát tham nhũng trong khu vực công",
        "Control of corruption in the public sector",
        (
            "Kiểm soát tham nhũng trong chính quyền địa phương",
            "Kiểm soát tham nhũng trong cung ứng dịch vụ công",
            "Công bằng trong tuyển dụng vào khu vực công",
            "Quyết tâm chống tham nhũng",
        ),
    ),
    Dimension(
        "D5",
        "Thủ tục hành chính công",
        "Public administrative procedures",
        (
            "Chứng thực, xác nhận",
            "Cấp phép xây dựng",
            "Giấy chứng nhận quyền sử dụng đất",
            "Thủ tục hành chính cấp xã",
        ),
    ),
    Dimension(
        "D6",
        "Cung ứng dịch vụ công",
        "Public service delivery",
        ("Y tế công lập", "Giáo dục tiểu học công lập", "Cơ sở hạ tầng căn bản", "An ninh trật tự"),
    ),
    Dimension(
        "D7",
        "Quản trị môi trường",
        "Environmental governance",
        ("Nghiêm túc trong bảo vệ môi trường", "Chất lượng không khí", "Chất lượng nước"),
    ),
    Dimension(
        "D8",
        "Quản trị điện tử",
        "E-governance",
        (
            "Sử dụng cổng thông tin điện tử của chính quyền địa phương",
            "Tiếp cận và sử dụng Internet",
            "Phúc đáp qua Cổng thông tin điện tử",
        ),
    ),
)
BY_CODE: Final = {dimension.code: dimension for dimension in DIMENSIONS}
CODES: Final = tuple(BY_CODE)


def dimension(code: str | None) -> Dimension | None:
    """The dimension of a code ``D1``–``D8``, ``None`` for any other."""
    return BY_CODE.get(code) if code else None


def vietnamese_name(code: str | None) -> str:
    """A dimension's official Vietnamese name, "" when the code is none of the eight."""
    found = dimension(code)
    return found.vi if found else ""
