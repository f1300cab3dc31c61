from __future__ import annotations

from bot.plans.units import is_unit_name, resolve_units, split_lead, split_units
from db.names import unit_key


def test_semicolons_always_split_and_commas_inside_names_do_not() -> None:
    assert split_units("Phòng Tư pháp; UBND các xã, phường") == [
        "Phòng Tư pháp",
        "UBND các xã, phường",
    ]
    assert split_units("Các cơ quan, đơn vị có liên quan") == ["Các cơ quan, đơn vị có liên quan"]
    assert split_units("Cán bộ, công chức phường") == ["Cán bộ, công chức phường"]
    assert split_units("Các Sở, ban, ngành và các cơ quan, đơn vị liên quan") == [
        "Các Sở, ban, ngành và các cơ quan, đơn vị liên quan"
    ]


def test_commas_before_a_new_unit_split() -> None:
    assert split_units("Công chức VH-XH, Đài truyền thanh xã") == [
        "Công chức VH-XH",
        "Đài truyền thanh xã",
    ]
    assert split_units("Ủy ban MTTQ, Công đoàn, Hội Phụ nữ") == [
        "Ủy ban MTTQ",
        "Công đoàn",
        "Hội Phụ nữ",
    ]
    assert split_units("Các phòng, ban thành phố, các trường học trên địa bàn") == [
        "Các phòng, ban thành phố",
        "các trường học trên địa bàn",
    ]


def test_va_splits_only_before_a_unit() -> None:
    assert split_units("Phòng Tài nguyên và Môi trường") == ["Phòng Tài nguyên và Môi trường"]
    assert split_units("Ủy ban MTTQ và cán bộ, công chức có liên quan") == [
        "Ủy ban MTTQ",
        "cán bộ, công chức có liên quan",
    ]


def test_shared_head_before_a_colon_is_distributed() -> None:
    assert split_units("Phòng: Quản lý đô thị, Kinh tế") == [
        "Phòng Quản lý đô thị",
        "Phòng Kinh tế",
    ]


def test_lead_cell_with_phoi_hop_gives_a_partner() -> None:
    assert split_lead("Văn phòng HĐND&UBND thị xã phối hợp Phòng Nội vụ") == (
        ["Văn phòng HĐND&UBND thị xã"],
        ["Phòng Nội vụ"],
    )


def test_time_phrases_are_not_units() -> None:
    assert not is_unit_name("Theo quy định")
    assert not is_unit_name("Thường xuyên")
    assert is_unit_name("Thanh tra thị xã")


def test_unit_key_ignores_accents_dashes_case_and_abbreviations() -> None:
    pairs = [
        ("CC VP- TK", "Công chức Văn phòng - Thống kê"),
        ("CC TP-HT", "công chức tư pháp – hộ tịch"),
        ("CC VH-XH", "Công chức Văn hóa - Xã hội"),
        ("CC ĐC- XD", "Công chức Địa chính - Xây dựng"),
        ("CC TC-KT", "Công chức Tài chính - Kế toán"),
        ("UBMTTQ phường", "Ủy ban Mặt trận Tổ quốc phường"),
        ("UB MTTQ", "Ủy ban MTTQ"),
        ("Ủy ban MTTQVN thị xã", "UBMTTQ thị xã"),
        ("Tổ trưởng TDP", "Tổ trưởng tổ dân phố"),
        ("HĐND&UBND", "Hội đồng nhân dân và Ủy ban nhân dân"),
        ("CB, CC", "Cán bộ, công chức"),
        ("Uỷ ban nhân dân  xã", "UBND XÃ"),
    ]
    for short, long in pairs:
        assert unit_key(short) == unit_key(long), (short, long)
    assert unit_key("UBND phường") != unit_key("UBND thành phố")


def test_resolve_units_matched_new_and_ambiguous() -> None:
    directory = {
        unit_key("Văn phòng - Thống kê"): 1,
        unit_key("Công an xã"): 2,
        unit_key("Hội Liên hiệp Phụ nữ"): 3,
        unit_key("Ủy ban nhân dân"): 4,
        unit_key("Ủy ban Mặt trận Tổ quốc"): 5,
        unit_key("UBND"): 4,
    }
    matches = resolve_units(
        ["CC VP-TK", "Công an phường", "Hội Phụ nữ", "UBND phường", "Công an TP", "Ủy ban", "Đài"],
        directory,
    )
    assert [(m.name, m.status, m.unit_id) for m in matches] == [
        ("CC VP-TK", "matched", 1),
        ("Công an phường", "matched", 2),
        # Matched only by some of its words: a person confirms it before it is used.
        ("Hội Phụ nữ", "suggested", 3),
        ("UBND phường", "matched", 4),
        ("Công an TP", "new", None),
        ("Ủy ban", "ambiguous", None),
        ("Đài", "new", None),
    ]
    assert matches[5].candidates == (4, 5)
    assert matches[0].key == unit_key("CC VP-TK")


def test_shared_words_out_of_order_are_not_the_same_unit() -> None:
    directory = {unit_key("Công đoàn phường"): 1, unit_key("Hội Liên hiệp Phụ nữ"): 2}
    youth, women = resolve_units(["Đoàn TNCS Hồ Chí Minh phường", "Hội Phụ nữ phường"], directory)
    assert (youth.status, youth.unit_id) == ("new", None)
    assert (women.status, women.unit_id) == ("suggested", 2)
