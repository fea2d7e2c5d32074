"""The dashboard's SVG charts: self-contained, accessible and injection-safe."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from casestore.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    """Parse a chart this code made (trusted input), failing on malformed SVG."""
    return ET.fromstring(str(svg))  # noqa: S314


def test_bar_chart_draws_one_bar_per_item_with_its_value():
    svg = bar_chart([("ATLDOT", 7), ("DPW", 3)], title="Open cases by department")
    root = parse(svg)
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 2
    assert float(bars[0].get("width")) > float(bars[1].get("width"))
    assert root.find(f"{SVG}title").text == "Open cases by department"
    assert "ATLDOT: 7" in root.find(f"{SVG}desc").text


def test_chart_labels_with_markup_are_escaped_text():
    svg = bar_chart([("<script>alert(1)</script>", 1)], title="t")
    assert "<script>" not in str(svg)
    root = parse(svg)
    assert root.find(f"{SVG}text").text == "<script>alert(1)</script>"


def test_line_chart_draws_each_series_over_all_days():
    days = [f"11-{d:02d}" for d in range(1, 31)]
    svg = line_chart(days, [("Created", [1] * 30), ("Closed", [0] * 29 + [4])], title="Flow")
    root = parse(svg)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert all(len(pl.get("points").split()) == 30 for pl in lines)


def test_charts_reach_nothing_outside_the_page():
    svg = str(bar_chart([("a", 1)], "t")) + str(line_chart(["d"], [("s", [1])], "t"))
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_empty_bar_chart_says_no_data():
    assert "No data" in str(bar_chart([], title="Nothing"))
