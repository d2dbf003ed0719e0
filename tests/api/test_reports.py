"""``/reports/{city}`` on the tiny prepared city: the HTML page and the A4 PDF a bureau files.

The PDF is read back with poppler (pdftotext, pdftoppm): its text holds every failing norm's
title and the plan's quote, and its first page renders to an image.
"""

import subprocess
from pathlib import Path

from fastapi.testclient import TestClient

from tests.fixtures.compliance_city import CITY


def test_the_html_report_has_every_norm_the_map_and_provenance(prepared: TestClient) -> None:
    body = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    response = prepared.get(f"/api/v1/reports/{CITY}")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="zh-CN">' in page
    assert "测试市规划指标核查报告" in page
    assert "data:image/png;base64," in page
    for result in body["results"]:
        assert result["title_zh"] in page
        assert result["citation"]["quote"] in page
    assert "小政发〔2021〕1号" in page
    assert "数据来源" in page
    assert "<tr><th>真实路网上的居民</th><td>100.0%</td></tr>" in page
    assert "needs 5 more" not in page
    # the reading in the reader's language, the plan's lines as a Chinese reader cites them,
    # and the data gap with what it needs in words
    assert "解读：未说明方式，按驾车计。" in page
    assert "No mode is stated" not in page
    assert "规划原文（第5行，小政发〔2021〕1号）：县域按服务人口的300%计算" in page
    assert (
        "尚无数据来源记录各机构的中医类别医师数。 需要：中医类别执业（助理）医师数、住宅小区"
        in page
    )
    assert "tcm_physicians" not in page

    english = prepared.get(f"/api/v1/reports/{CITY}", params={"lang": "en"}).text
    assert '<html lang="en">' in english
    assert "plan norms compliance report" in english
    assert "No mode is stated; it is read as a drive." in english
    assert "Needs: TCM-category physicians, residential compounds." in english


def test_the_pdf_report_renders_with_the_failing_norms_quotes(
    prepared: TestClient, tmp_path: Path
) -> None:
    body = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    response = prepared.get(f"/api/v1/reports/{CITY}", params={"format": "pdf"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    failing = [r for r in body["results"] if r["status"] == "fail"]
    assert failing
    for result in failing:
        assert "".join(result["citation"]["quote"].split()) in flat
        assert "".join(result["title_zh"].split()) in flat
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.stat().st_size > 5_000


def test_the_report_shows_what_the_figures_rest_on_as_the_api_says(prepared: TestClient) -> None:
    from geo import messages

    basis = prepared.get("/api/v1/compliance", params={"city": CITY}).json()["basis"]
    page = prepared.get(f"/api/v1/reports/{CITY}").text

    assert messages.text("report.basis", "zh") in page
    # the census spread by street length: no file imported
    assert basis["population"] == {
        "kind": "census_spread",
        "file": None,
        "file_date": None,
        "imported_at": None,
        "calibrate": None,
    }
    assert messages.text("population_kind.census_spread", "zh") in page
    for region in basis["regions"]:
        share = messages.value_text(region["real_road_share"], "share", "zh")
        assert (
            f"<tr><td>{region['region_name']}</td><td>{region['residents']:,}</td><td>{share}</td>"
        ) in page
