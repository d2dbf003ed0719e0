"""Facility inventories of the five plans, each figure cited or marked as an estimate.

A figure is *stated* (``estimated=False``) only when its number is printed in the quoted text of
its seed (``../shared/plans/seeds``). Anything else, arithmetic on stated numbers included, is an
estimate carrying the rule that produced it. Populations in the rules are the 2020 census figures
of ``../shared/data/hunan/hunan_county_population_2020.csv``: urban = population × census urban
share, rural = the rest, summed over a city's county-level rows; a county-level unit is a row whose
adcode does not end in 70–79 (those are development or management zones without a polygon).

Estimation rules shared by several cities:

- tertiary hospitals: Hengyang's 9 tertiary hospitals (001 L13) per its 6,645,243 residents,
  i.e. 1.354 per million, times the city's residents;
- hospitals: the 506 hospitals of Changsha (241, 003 L27), Yueyang (125, 000 L4) and Yongzhou
  (34 + 106, 004 L150–156) per their 20,389,660 residents, i.e. 24.82 per million;
- public hospitals: 3 per county-level unit (a general, a TCM and a maternal & child hospital;
  Yongzhou states 34 public hospitals for its 11 units, 004 L25, L150–152);
- community health stations: Changsha's 226 stations per 84 centres (003 L27) times the centres;
- village clinics: the 6,542,140 rural residents of Changsha, Yueyang and Yongzhou per their 5,671
  clinics (1,280 + 1,431 + 2,960), i.e. one per 1,154 rural residents;
- 120 centres: one city centre plus one (sub-)centre per county-level unit (Yongzhou 004
  L1130–1136); a county-level city is its own county, so it has one centre;
- EMS stations: one at the general hospital of every county-level unit plus two at central
  township health centres in every county and county-level city (stations belong at grade-II+
  hospitals and capable central township health centres, 004 L1138–1140);
- ambulances: the norm's fleet, one per 30,000 residents with the residents of counties and
  county-level cities counted three times (000 L216), times a compliance factor of 0.6 — an
  illustrative assumption (no plan states its fleet) so that the demo has gaps to look at;
- critical maternal / neonatal centres: 70 % of the county-level units (illustrative, so that the
  "one per city and county" norm, 001 L282, has both passes and fails).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from geo.errors import InventoryError

SEED_YUEYANG = "000_43e534452d03a9c6.txt"
SEED_HENGYANG = "001_80cf858754c9910a.txt"
SEED_JISHOU = "002_8fac2466e21989cb.txt"
SEED_CHANGSHA = "003_49c39440a1a62ee3.txt"
SEED_YONGZHOU = "004_d7d4906956ec28ce.txt"

INVENTORY_KEYS: tuple[str, ...] = (
    "hospitals",
    "public_hospitals",
    "tertiary_hospitals",
    "township_health_centers",
    "community_health_centers",
    "community_health_stations",
    "village_clinics",
    "beds",
    "physicians",
    "nurses",
    "general_practitioners",
    "pharmacists",
    "ems_centers",
    "ems_stations",
    "ambulances",
    "critical_maternal_centres",
    "critical_neonatal_centres",
)

# the share of the norm's ambulance fleet the demo gives a city (illustrative, see module doc)
AMBULANCE_COMPLIANCE = 0.6


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a figure (or the basis of an estimate) is printed.

    Attributes
    ----------
    document
        Seed file name in ``../shared/plans/seeds``.
    lines
        First and last 1-based line of the cited text.
    quotes
        Exact spans of the text of those lines joined without line breaks; more than one when a
        table puts a label and its value on different lines.
    """

    document: str
    lines: tuple[int, int]
    quotes: tuple[str, ...]

    def __post_init__(self) -> None:
        first, last = self.lines
        if first < 1 or last < first:
            msg = f"citation of {self.document}: bad line span {self.lines}"
            raise InventoryError(msg)
        if not self.quotes or not all(self.quotes):
            msg = f"citation of {self.document} L{first}: at least one non-empty quote is needed"
            raise InventoryError(msg)


@dataclass(frozen=True, slots=True)
class InventoryFigure:
    """One count of a city's inventory (end of 2020), stated by its plan or estimated.

    Attributes
    ----------
    value
        The count (facilities, beds, staff or vehicles).
    estimated
        False only when ``value`` is printed in the citation's quotes.
    rule
        How an estimate was derived (required when ``estimated``).
    citation
        The stated figure, or the printed basis of an estimate.
    note
        How a stated figure is read when the text is ambiguous.
    """

    value: int
    estimated: bool
    rule: str | None = None
    citation: Citation | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.value < 0:
            msg = f"an inventory figure cannot be negative, got {self.value}"
            raise InventoryError(msg)
        if self.estimated and not self.rule:
            msg = f"the estimated figure {self.value} needs the rule that produced it"
            raise InventoryError(msg)
        if not self.estimated:
            printed = "".join(self.citation.quotes) if self.citation else ""
            if str(self.value) not in printed:
                msg = (
                    f"the figure {self.value} is marked stated but is not printed in its quote "
                    f"{printed!r}; mark it estimated and give the rule"
                )
                raise InventoryError(msg)


@dataclass(frozen=True, slots=True)
class CityInventory:
    """The facility inventory of one city: every key of :data:`INVENTORY_KEYS` once.

    Attributes
    ----------
    adcode
        Six-digit administrative code of the city the plan governs.
    name
        Chinese name of the city, used in generated names (e.g. ``长沙市120急救中心``).
    figures
        Figure per key of :data:`INVENTORY_KEYS`.
    """

    adcode: str
    name: str
    figures: Mapping[str, InventoryFigure] = field(repr=False)

    def __post_init__(self) -> None:
        missing = [k for k in INVENTORY_KEYS if k not in self.figures]
        unknown = sorted(set(self.figures) - set(INVENTORY_KEYS))
        if missing or unknown:
            msg = f"inventory of {self.adcode}: missing keys {missing}, unknown keys {unknown}"
            raise InventoryError(msg)
        object.__setattr__(self, "figures", MappingProxyType(dict(self.figures)))

    def value(self, key: str) -> int:
        """Return the count of ``key`` (one of :data:`INVENTORY_KEYS`)."""
        if key not in self.figures:
            msg = f"unknown inventory key {key!r}; expected one of {', '.join(INVENTORY_KEYS)}"
            raise InventoryError(msg)
        return self.figures[key].value

    @classmethod
    def from_counts(
        cls,
        *,
        adcode: str,
        name: str,
        counts: Mapping[str, int],
        rule: str = "supplied by the caller",
    ) -> "CityInventory":
        """Build an inventory from plain counts, every one marked estimated with ``rule``."""
        figures = {k: InventoryFigure(int(v), estimated=True, rule=rule) for k, v in counts.items()}
        return cls(adcode=adcode, name=name, figures=figures)


def _stated(
    value: int, document: str, lines: tuple[int, int], *quotes: str, note: str | None = None
) -> InventoryFigure:
    return InventoryFigure(
        value, estimated=False, citation=Citation(document, lines, quotes), note=note
    )


def _estimated(
    value: int,
    rule: str,
    basis: Citation | None = None,
    *,
    note: str | None = None,
) -> InventoryFigure:
    return InventoryFigure(value, estimated=True, rule=rule, citation=basis, note=note)


# printed bases shared by the estimates of several cities
_TERTIARY_BASIS = Citation(SEED_HENGYANG, (13, 13), ("全市共有三级医院9所",))
_PUBLIC_BASIS = Citation(SEED_YONGZHOU, (150, 152), ("其中公立医院 34家",))
_STATIONS_BASIS = Citation(SEED_CHANGSHA, (27, 27), ("社区卫生服务机构310个（中心84个，站226个）",))
_EMS_STATION_BASIS = Citation(
    SEED_YONGZHOU, (1138, 1140), ("原则上二级及以上医院和有条件的乡镇中心卫生院均要设置",)
)
_EMS_CENTRE_BASIS = Citation(
    SEED_YONGZHOU, (1130, 1136), ("每个县市区设置 1 所 120 紧急医疗救援分中心",)
)
_FLEET_BASIS = Citation(
    SEED_YUEYANG,
    (216, 216),
    ("按3万常住人口1辆的标准配备救护车（县域按常住人口的300%测算人口基数）",),
)
_CRITICAL_BASIS = Citation(
    SEED_HENGYANG, (282, 282), ("市、县级至少设置1个危重孕产妇和危重新生儿救治中心",)
)
_POOLED_HOSPITALS = (
    "506 hospitals of Changsha (241, 003 L27), Yueyang (125, 000 L4) and Yongzhou "
    "(34 + 106, 004 L150–156) per their 20,389,660 residents = 24.82 per million"
)
_POOLED_CLINICS = (
    "6,542,140 rural residents of Changsha, Yueyang and Yongzhou per their 5,671 village "
    "clinics (1,280 + 1,431 + 2,960) = 1 per 1,154 rural residents"
)
_STANDARDISED = (
    "the text counts the institutions that completed standardisation; the total is not stated, "
    "so this count is used as the total (a lower bound)"
)


def _changsha() -> CityInventory:
    d = SEED_CHANGSHA
    l27 = (27, 27)
    return CityInventory(
        adcode="430100",
        name="长沙市",
        figures={
            "hospitals": _stated(241, d, l27, "其中医院241个"),
            "public_hospitals": _estimated(
                37,
                "241 hospitals (L27) − 204 privately run (L33) = 37",
                Citation(d, (27, 33), ("其中医院241个", "全市社会办医院增至204所")),
            ),
            "tertiary_hospitals": _estimated(
                14, "1.354 per million (Hengyang) × 10,047,914 residents = 13.6", _TERTIARY_BASIS
            ),
            "township_health_centers": _stated(98, d, l27, "建制乡镇卫生院98个"),
            "community_health_centers": _stated(
                84, d, l27, "社区卫生服务机构310个（中心84个，站226个）"
            ),
            "community_health_stations": _stated(
                226, d, l27, "社区卫生服务机构310个（中心84个，站226个）"
            ),
            "village_clinics": _stated(1280, d, l27, "行政村卫生室1280个"),
            "beds": _stated(83180, d, l27, "全市共有病床83180张"),
            "physicians": _estimated(
                32756,
                "3.26 per 1,000 (L27) × 10,047,914 residents = 32,756",
                Citation(d, l27, ("每千人口执业（助理）医师3.26人",)),
            ),
            "nurses": _estimated(
                42704,
                "4.25 per 1,000 (L27) × 10,047,914 residents = 42,704",
                Citation(d, l27, ("每千人口注册护士4.25人",)),
            ),
            "general_practitioners": _estimated(
                2713,
                "2.7 per 10,000 (L104) × 10,047,914 residents = 2,713",
                Citation(d, (104, 104), ("每万人口全科医师数(人) | 2.7人",)),
            ),
            "pharmacists": _estimated(
                3919,
                "0.39 per 1,000 (L103) × 10,047,914 residents = 3,919",
                Citation(d, (103, 103), ("每千人口药师(士)数(人) | 0.39人",)),
            ),
            "ems_centers": _estimated(
                10,
                "the city 120 centre (L215) + one centre in each of the 9 county-level units "
                "(the three-tier network of L215)",
                Citation(d, (215, 215), ("区县（市）急救中心", "市120急救中心扩建项目")),
            ),
            "ems_stations": _estimated(
                15,
                "9 county general hospitals + 2 × 3 counties and county-level cities",
                _EMS_STATION_BASIS,
            ),
            "ambulances": _estimated(
                364,
                "0.6 × (5,980,707 district + 3 × 4,067,207 county residents) / 30,000 = 363.6",
                _FLEET_BASIS,
            ),
            "critical_maternal_centres": _estimated(
                6, "70 % of 9 county-level units = 6.3", _CRITICAL_BASIS
            ),
            "critical_neonatal_centres": _estimated(
                6, "70 % of 9 county-level units = 6.3", _CRITICAL_BASIS
            ),
        },
    )


def _yueyang() -> CityInventory:
    d = SEED_YUEYANG
    l4 = (4, 4)
    standardised = Citation(d, (5, 5), ("100个乡镇卫生院和1431个村卫生室完成标准化阵地建设",))
    return CityInventory(
        adcode="430600",
        name="岳阳市",
        figures={
            "hospitals": _stated(125, d, l4, "医院125个"),
            "public_hospitals": _estimated(27, "3 per county-level unit × 9 units", _PUBLIC_BASIS),
            "tertiary_hospitals": _estimated(
                7, "1.354 per million (Hengyang) × 5,051,922 residents = 6.8", _TERTIARY_BASIS
            ),
            "township_health_centers": _stated(
                100, d, (5, 5), standardised.quotes[0], note=_STANDARDISED
            ),
            "community_health_centers": _estimated(
                31,
                "3,064,451 urban residents / 100,000 (the upper end of one centre per 30,000–"
                "100,000 residents, Changsha 003 L237) = 30.6",
                Citation(SEED_CHANGSHA, (237, 237), ("每3~10万居民规划设置1所社区卫生服务中心",)),
            ),
            "community_health_stations": _estimated(
                83, "31 centres × 226 / 84 (Changsha's stations per centre) = 83.4", _STATIONS_BASIS
            ),
            "village_clinics": _stated(1431, d, (5, 5), standardised.quotes[0], note=_STANDARDISED),
            "beds": _stated(38481, d, l4, "全市医疗卫生机构实有床位38481张"),
            "physicians": _stated(13704, d, l4, "执业（助理）医师13704人"),
            "nurses": _stated(15839, d, l4, "注册护士15839人"),
            "general_practitioners": _estimated(
                1283,
                "2.54 per 10,000 (L133–134) × 5,051,922 residents = 1,283",
                Citation(d, (133, 134), ("每万常住人口全科医生数（人）", "2.54")),
            ),
            "pharmacists": _estimated(
                1465,
                "0.29 per 1,000 (L127–128) × 5,051,922 residents = 1,465",
                Citation(d, (127, 128), ("每千常住人口药师（士）数（人）", "0.29")),
            ),
            "ems_centers": _estimated(
                10,
                "the city 120 centre + one centre in each of the 9 county-level units (counties "
                "set up or attach a county centre, L216)",
                Citation(d, (216, 216), ("有条件的县市设置急救中心（站）",)),
            ),
            "ems_stations": _estimated(
                21,
                "9 county general hospitals + 2 × 6 counties and county-level cities",
                _EMS_STATION_BASIS,
            ),
            "ambulances": _estimated(
                247,
                "0.6 × (1,407,213 district + 3 × 3,644,709 county residents) / 30,000 = 246.8",
                _FLEET_BASIS,
            ),
            "critical_maternal_centres": _estimated(
                6, "70 % of 9 county-level units = 6.3", _CRITICAL_BASIS
            ),
            "critical_neonatal_centres": _estimated(
                6, "70 % of 9 county-level units = 6.3", _CRITICAL_BASIS
            ),
        },
    )


def _hengyang() -> CityInventory:
    d = SEED_HENGYANG
    l13 = (13, 13)
    ems = Citation(d, l13, ("建成全市120应急指挥中心和8家院前急救分站",))
    return CityInventory(
        adcode="430400",
        name="衡阳市",
        figures={
            "hospitals": _estimated(165, _POOLED_HOSPITALS + " × 6,645,243 residents = 164.9"),
            "public_hospitals": _estimated(
                63,
                "28 urban + 35 county-level public hospitals taking part in the reform (L15); "
                "assumes every public hospital took part",
                Citation(
                    d,
                    (15, 15),
                    (
                        "全市共有28家城市公立医院及35家县级公立医院参与现代医院管理制度和薪酬制度改革",
                    ),
                ),
            ),
            "tertiary_hospitals": _stated(9, d, l13, "全市共有三级医院9所"),
            "township_health_centers": _stated(147, d, l13, "建制乡镇卫生院147个"),
            "community_health_centers": _stated(47, d, l13, "社区卫生服务中心47个"),
            "community_health_stations": _estimated(
                126,
                "47 centres × 226 / 84 (Changsha's stations per centre) = 126.5",
                _STATIONS_BASIS,
            ),
            "village_clinics": _estimated(
                2634,
                "3,038,747 rural residents / 1,154 = 2,634, with "
                + _POOLED_CLINICS
                + "; every administrative village has a clinic (L32)",
                Citation(d, (32, 32), ("全面消除行政村卫生室“空白村”",)),
            ),
            "beds": _stated(44552, d, l13, "病床44552张"),
            "physicians": _stated(17777, d, l13, "执业（助理）医师17777人"),
            "nurses": _stated(
                16425,
                d,
                l13,
                "执业护士16425人",
                note="licensed nurses (执业护士); the indicator table's 4 per 1,000 (L187–188) "
                "implies about 26,600",
            ),
            "general_practitioners": _estimated(
                2040,
                "3.07 per 10,000 (indicator table, L201–202) × 6,645,243 residents = 2,040",
                Citation(d, (201, 202), ("每万常住人口全科医师数（人）", "3.07")),
                note="the narrative (L32) says 2.8 per 10,000",
            ),
            "pharmacists": _estimated(
                997,
                "0.15 per 1,000 (L194–195) × 6,645,243 residents = 997",
                Citation(d, (194, 195), ("每千常住人口药师（士）数（人）", "0.15")),
            ),
            "ems_centers": _estimated(
                13, "the stated city 120 command centre (L13) + one centre in each of 12 units", ems
            ),
            "ems_stations": _stated(8, d, l13, ems.quotes[0]),
            "ambulances": _estimated(
                344,
                "0.6 × (1,361,085 district + 3 × 5,284,158 county residents) / 30,000 = 344.3",
                _FLEET_BASIS,
            ),
            "critical_maternal_centres": _estimated(
                13,
                "4 city-level + 9 county-level centres (L25)",
                Citation(d, (25, 25), ("市级危重孕产妇救治中心4家", "县级危重孕产妇救治中心9家")),
            ),
            "critical_neonatal_centres": _estimated(
                16,
                "5 city-level + 11 county-level centres (L25)",
                Citation(d, (25, 25), ("危重新生儿救治中心5家", "危重新生儿救治中心11家")),
            ),
        },
    )


def _yongzhou() -> CityInventory:
    d = SEED_YONGZHOU
    standardised = "151 个乡镇卫生院、30 个社区卫生服务中心、2960 个行政村卫生室完成标准化建设"
    return CityInventory(
        adcode="431100",
        name="永州市",
        figures={
            "hospitals": _estimated(
                140,
                "34 public + 106 private hospitals (L150–156)",
                Citation(d, (150, 156), ("其中公立医院 34家", "其中民营医院 106 家")),
            ),
            "public_hospitals": _stated(34, d, (150, 152), "其中公立医院 34家"),
            "tertiary_hospitals": _estimated(
                7, "1.354 per million (Hengyang) × 5,289,824 residents = 7.2", _TERTIARY_BASIS
            ),
            "township_health_centers": _stated(
                151, d, (172, 176), standardised, note=_STANDARDISED
            ),
            "community_health_centers": _stated(
                30, d, (172, 176), standardised, note=_STANDARDISED
            ),
            "community_health_stations": _estimated(
                81, "30 centres × 226 / 84 (Changsha's stations per centre) = 80.7", _STATIONS_BASIS
            ),
            "village_clinics": _stated(2960, d, (172, 176), standardised, note=_STANDARDISED),
            "beds": _stated(42042, d, (146, 148), "全市实有床位 42042张"),
            "physicians": _stated(14436, d, (154, 156), "注册执业（助理）医师 14436 人"),
            "nurses": _stated(17428, d, (156, 158), "注册护士17428 人"),
            "general_practitioners": _stated(1116, d, (160, 162), "全市注册全科医生 1116 人"),
            "pharmacists": _estimated(
                1375,
                "0.26 per 1,000 (L552) × 5,289,824 residents = 1,375",
                Citation(d, (552, 552), ("每千人口药师（士）数（人） 0.26",)),
            ),
            "ems_centers": _estimated(
                12,
                "the city 120 centre + one sub-centre in each of the 11 county-level units "
                "(the plan's target, L1130–1136, taken as in place)",
                _EMS_CENTRE_BASIS,
            ),
            "ems_stations": _estimated(
                29,
                "11 county general hospitals + 2 × 9 counties and county-level cities",
                _EMS_STATION_BASIS,
            ),
            "ambulances": _estimated(
                269,
                "0.6 × (1,197,643 district + 3 × 4,092,181 county residents) / 30,000 = 269.5",
                _FLEET_BASIS,
            ),
            "critical_maternal_centres": _estimated(
                8, "70 % of 11 county-level units = 7.7", _CRITICAL_BASIS
            ),
            "critical_neonatal_centres": _estimated(
                8, "70 % of 11 county-level units = 7.7", _CRITICAL_BASIS
            ),
        },
    )


def _jishou() -> CityInventory:
    d = SEED_JISHOU
    anchors = Citation(d, (281, 281), ("三区四院五中心",))
    return CityInventory(
        adcode="433101",
        name="吉首市",
        figures={
            "hospitals": _estimated(10, _POOLED_HOSPITALS + " × 408,812 residents = 10.1"),
            "public_hospitals": _estimated(
                3,
                "3 per county-level unit × 1; the plan names the People's Hospital, the Ethnic "
                "TCM Hospital and the MCH centre (L281)",
                Citation(d, (281, 281), ("市民族中医院、市妇保院",)),
            ),
            "tertiary_hospitals": _estimated(
                1, "1.354 per million (Hengyang) × 408,812 residents = 0.55", _TERTIARY_BASIS
            ),
            "township_health_centers": _estimated(
                11,
                "16 township-level units (L578) − the 5 sub-districts (街道) named at L281; "
                "at least 9 central township health centres exist (L10)",
                Citation(
                    d, (10, 578), ("全市9个乡镇中心卫生院先后翻修", "吉首市 16 个乡镇（街道）")
                ),
            ),
            "community_health_centers": _estimated(
                5, "the five street health service centres of the urban circle (L281)", anchors
            ),
            "community_health_stations": _estimated(
                13, "5 centres × 226 / 84 (Changsha's stations per centre) = 13.5", _STATIONS_BASIS
            ),
            "village_clinics": _estimated(
                77, "89,244 rural residents / 1,154 = 77.4, with " + _POOLED_CLINICS
            ),
            "beds": _stated(
                6146,
                d,
                (7, 7),
                "卫生机构实有床位数6146张",
                note="15 per 1,000 residents, against 3.16 per 1,000 in the indicator table "
                "(L143–144); the count probably includes prefecture hospitals sited in Jishou",
            ),
            "physicians": _estimated(
                1075,
                "2.63 per 1,000 (L149–150) × 408,812 residents = 1,075",
                Citation(d, (149, 150), ("每千常住人口执业（助理）医师数（人）", "2.63")),
            ),
            "nurses": _estimated(
                1353,
                "3.31 per 1,000 (L163–164) × 408,812 residents = 1,353",
                Citation(d, (163, 164), ("每千常住人口注册护士数（人）", "3.31")),
            ),
            "general_practitioners": _estimated(
                96,
                "2.36 per 10,000 (L175–176) × 408,812 residents = 96",
                Citation(d, (175, 176), ("每万常住人口全科医生数（人）", "2.36")),
            ),
            "pharmacists": _estimated(
                131,
                "0.32 per 1,000 (L169–170) × 408,812 residents = 131",
                Citation(d, (169, 170), ("每千常住人口药师（士）数（人）", "0.32")),
            ),
            "ems_centers": _estimated(
                1,
                "a county-level city: its city 120 centre is its county centre",
                _EMS_CENTRE_BASIS,
            ),
            "ems_stations": _estimated(
                3, "1 general hospital + 2 central township health centres", _EMS_STATION_BASIS
            ),
            "ambulances": _estimated(
                25,
                "0.6 × 3 × 408,812 residents of a county-level city / 30,000 = 24.5",
                _FLEET_BASIS,
            ),
            "critical_maternal_centres": _estimated(
                1, "70 % of 1 county-level unit = 0.7", _CRITICAL_BASIS
            ),
            "critical_neonatal_centres": _estimated(
                1, "70 % of 1 county-level unit = 0.7", _CRITICAL_BASIS
            ),
        },
    )


# where the plans call for a general, a TCM and a maternal & child hospital in every unit
PER_UNIT_HOSPITALS: Mapping[str, tuple[Citation, ...]] = MappingProxyType(
    {
        "general_hospital": (
            Citation(SEED_CHANGSHA, (211, 211), ("建立以县级医院为龙头",)),
            Citation(
                SEED_HENGYANG,
                (367, 367),
                ("市辖区至少建成1个达到二级医院标准的区属公立医院或社区医院",),
            ),
        ),
        "tcm_hospital": (
            Citation(SEED_CHANGSHA, (221, 221), ("各县级中医院为骨干",)),
            Citation(SEED_YUEYANG, (296, 296), ("每个县市中医院达到二级甲等以上标准",)),
        ),
        "maternal_child_hospital": (
            Citation(
                SEED_YONGZHOU,
                (848, 850),
                ("市、县（市、区）均建设1 所由政府举办的公益性、标准化妇幼保健机构",),
            ),
        ),
    }
)

INVENTORIES: Mapping[str, CityInventory] = MappingProxyType(
    {inv.adcode: inv for inv in (_changsha(), _yueyang(), _hengyang(), _yongzhou(), _jishou())}
)


def get_inventory(adcode: str) -> CityInventory:
    """Return the inventory of the city with six-digit ``adcode`` (one of :data:`INVENTORIES`)."""
    if adcode not in INVENTORIES:
        msg = f"no inventory for city {adcode!r}; known: {', '.join(sorted(INVENTORIES))}"
        raise InventoryError(msg)
    return INVENTORIES[adcode]
