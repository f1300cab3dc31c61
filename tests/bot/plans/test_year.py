from __future__ import annotations

from bot.plans.year import infer_year


def test_title_year_wins_over_a_period() -> None:
    title = "Góp phần cải thiện Chỉ số PAPI năm 2021 và giai đoạn 2021-2025"
    assert infer_year(title, ["Đông Hòa, ngày 5 tháng 7 năm 2020"]) == 2021


def test_lines_citing_other_documents_are_skipped() -> None:
    lines = [
        "Căn cứ Kế hoạch số 12/KH-UBND về kết quả Chỉ số PAPI năm 2023",
        "PHÂN CÔNG NHIỆM VỤ NĂM 2024",
    ]
    assert infer_year("", lines) == 2024


def test_signing_date_when_no_plan_year() -> None:
    assert infer_year("Kế hoạch nâng cao chỉ số", ["Thanh Sơn, ngày 15 tháng 3 năm 2022"]) == 2022
    assert infer_year("", ["Lương Sơn, ngày    tháng    năm 2024."]) == 2024


def test_time_frames_then_task_texts() -> None:
    assert infer_year("", [], ["Quý IV/2023", "Quý I/2024", "Quý II/2024"]) == 2024
    assert infer_year("", [], [], ["Tổ chức hội nghị năm 2025"]) == 2025
    assert infer_year("Kế hoạch", ["Không có năm"]) is None
