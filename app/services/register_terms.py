"""How a bureau's register names things: Chinese and English column names and values.

One table maps what a facility register from a health bureau says (Excel or CSV, headers and
values in Chinese or in English) to the register's own vocabulary (:mod:`geo.terms`). The keys of
every value table are the vocabulary's enums, so a new type or grade there fails the test of this
table until it has its Chinese name (the map's names, ``app/static/js/i18n.js``, are the same).

=========================  ====================================================================
column                     accepted headers (case and surrounding space ignored)
=========================  ====================================================================
``id``                     id, 编号, 机构编码, 机构代码, 代码, 序号
``name``                   name, 名称, 机构名称, 医疗机构名称, 单位名称
``type``                   type, 类型, 机构类型, 机构类别, 类别
``lon``                    lon, lng, longitude, x, 经度
``lat``                    lat, latitude, y, 纬度
``grade``                  grade, 等级, 医院等级, 级别
``ownership``              ownership, 性质, 所有制, 经济类型, 举办主体
``beds``                   beds, 床位, 床位数, 编制床位, 实有床位, 开放床位
``icu_beds``               icu_beds, ICU床位, 重症床位, 重症监护床位
``physicians``             physicians, 医师, 医师数, 执业医师, 执业（助理）医师
``nurses``                 nurses, 护士, 护士数, 注册护士
``general_practitioners``  general_practitioners, 全科医生, 全科医生数
``pharmacists``            pharmacists, 药师, 药师数
``ambulances``             ambulances, 救护车, 救护车数
=========================  ====================================================================

Values: a type is its code (``village_clinic``) or Chinese name (村卫生室, see
:data:`TYPE_NAMES`, with common variants in :data:`TYPE_ALIASES`); a grade its code or 三级 /
二级 / 一级 / 未定级 (三甲, 三级甲等 … count as their level); ownership ``public`` / 公立 / 公办 /
政府办 or ``private`` / 民营 / 私立 / 社会办. Every other column of the API import
(:data:`app.services.imports.OPTIONAL_COLUMNS`) is accepted under its English name.
"""

from collections.abc import Mapping
from typing import Final

from geo.terms import FacilityType, Grade, Ownership

# the Chinese name of every facility type, as the map shows it
TYPE_NAMES: Final[Mapping[FacilityType, str]] = {
    FacilityType.GENERAL_HOSPITAL: "综合医院",
    FacilityType.TCM_HOSPITAL: "中医医院",
    FacilityType.MATERNAL_CHILD_HOSPITAL: "妇幼保健院",
    FacilityType.SPECIALTY_HOSPITAL: "专科医院",
    FacilityType.PSYCHIATRIC_HOSPITAL: "精神病医院",
    FacilityType.TOWNSHIP_HEALTH_CENTER: "乡镇卫生院",
    FacilityType.COMMUNITY_HEALTH_CENTER: "社区卫生服务中心",
    FacilityType.COMMUNITY_HEALTH_STATION: "社区卫生服务站",
    FacilityType.VILLAGE_CLINIC: "村卫生室",
    FacilityType.EMS_CENTER: "急救中心",
    FacilityType.EMS_STATION: "急救站",
    FacilityType.CHILDCARE_INSTITUTION: "托育机构",
    FacilityType.MENTAL_REHAB_INSTITUTION: "社区精神康复机构",
    FacilityType.BLOOD_COLLECTION_POINT: "采血点",
}
# other names registers use for the same types
TYPE_ALIASES: Final[Mapping[str, FacilityType]] = {
    "中医院": FacilityType.TCM_HOSPITAL,
    "中西医结合医院": FacilityType.TCM_HOSPITAL,
    "妇幼保健院（所、站）": FacilityType.MATERNAL_CHILD_HOSPITAL,
    "妇幼保健机构": FacilityType.MATERNAL_CHILD_HOSPITAL,
    "精神专科医院": FacilityType.PSYCHIATRIC_HOSPITAL,
    "卫生院": FacilityType.TOWNSHIP_HEALTH_CENTER,
    "中心卫生院": FacilityType.TOWNSHIP_HEALTH_CENTER,
    "乡镇中心卫生院": FacilityType.TOWNSHIP_HEALTH_CENTER,
    "社区卫生服务中心（站）": FacilityType.COMMUNITY_HEALTH_CENTER,
    "村卫生所": FacilityType.VILLAGE_CLINIC,
    "急救分站": FacilityType.EMS_STATION,
    "120急救站": FacilityType.EMS_STATION,
    "院前急救站": FacilityType.EMS_STATION,
    "120急救中心": FacilityType.EMS_CENTER,
    "紧急救援中心": FacilityType.EMS_CENTER,
    "献血屋": FacilityType.BLOOD_COLLECTION_POINT,
}
GRADE_NAMES: Final[Mapping[Grade, tuple[str, ...]]] = {
    Grade.TERTIARY: ("三级", "三甲", "三级甲等", "三级乙等", "三级丙等", "三乙"),
    Grade.SECONDARY: ("二级", "二甲", "二级甲等", "二级乙等", "二级丙等", "二乙"),
    Grade.PRIMARY: ("一级", "一甲", "一级甲等", "一级乙等", "一级丙等"),
    Grade.NONE: ("未定级", "无", "未评级"),
}
OWNERSHIP_NAMES: Final[Mapping[Ownership, tuple[str, ...]]] = {
    Ownership.PUBLIC: ("公立", "公办", "政府办", "国有", "公有"),
    Ownership.PRIVATE: ("民营", "私立", "社会办", "民办", "私营"),
}
COLUMN_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    "id": ("id", "编号", "机构编码", "机构代码", "代码", "序号"),
    "name": ("name", "名称", "机构名称", "医疗机构名称", "单位名称"),
    "type": ("type", "类型", "机构类型", "机构类别", "类别"),
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "grade": ("grade", "等级", "医院等级", "级别"),
    "ownership": ("ownership", "性质", "所有制", "经济类型", "举办主体"),
    "beds": ("beds", "床位", "床位数", "编制床位", "实有床位", "开放床位"),
    "icu_beds": ("icu_beds", "icu床位", "重症床位", "重症监护床位"),
    "physicians": ("physicians", "医师", "医师数", "执业医师", "执业（助理）医师"),
    "nurses": ("nurses", "护士", "护士数", "注册护士"),
    "general_practitioners": ("general_practitioners", "全科医生", "全科医生数"),
    "pharmacists": ("pharmacists", "药师", "药师数"),
    "ambulances": ("ambulances", "救护车", "救护车数"),
}


def _key(text: str) -> str:
    return "".join(text.split()).lower()


# lookups: what a cell or a header says, whitespace removed and lower-cased → the code
TYPE_OF: Final[Mapping[str, str]] = {
    **{_key(t.value): t.value for t in FacilityType},
    **{_key(name): t.value for t, name in TYPE_NAMES.items()},
    **{_key(name): t.value for name, t in TYPE_ALIASES.items()},
}
GRADE_OF: Final[Mapping[str, str]] = {
    **{_key(g.value): g.value for g in Grade},
    **{_key(name): g.value for g, names in GRADE_NAMES.items() for name in names},
}
OWNERSHIP_OF: Final[Mapping[str, str]] = {
    **{_key(o.value): o.value for o in Ownership},
    **{_key(name): o.value for o, names in OWNERSHIP_NAMES.items() for name in names},
}
COLUMN_OF: Final[Mapping[str, str]] = {
    _key(name): column for column, names in COLUMN_NAMES.items() for name in names
}


def column_code(header: str) -> str:
    """The register column a header names (``经度`` → ``lon``); unknown headers come back as is."""
    key = _key(header)
    return COLUMN_OF.get(key, key)


def value_code(column: str, value: str) -> str:
    """The code a type, grade or ownership cell names (村卫生室 → village_clinic), else the cell.

    A value the table does not know is passed on unchanged, so the import's check names it.
    """
    table = {"type": TYPE_OF, "grade": GRADE_OF, "ownership": OWNERSHIP_OF}.get(column)
    if table is None:
        return value
    return table.get(_key(value), value)
