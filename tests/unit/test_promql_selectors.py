"""``tests.support.promql`` finds every vector selector of an expression, and nothing that is not one.

The live dashboard test asks Prometheus for each selector and fails on one with no series: a function name,
a label list or a string taken for a metric would fail it for nothing, a selector missed would let a typo by.
"""

import pytest

from tests.support.promql import aggregated_selectors, dashboard_expressions, vector_selectors


@pytest.mark.parametrize(
    ("expr", "selectors"),
    [
        pytest.param(
            'histogram_quantile(0.99, sum by (le, cohort) (rate(x_bucket{a="b"}[5m])))',
            ['x_bucket{a="b"}'],
            id="quantile-of-an-aggregation-with-a-label-list",
        ),
        pytest.param("a / ignoring(cohort) b", ["a", "b"], id="ignoring"),
        pytest.param('time() - max(y{check="ledger"})', ['y{check="ledger"}'], id="function-without-arguments"),
        pytest.param("sum(rate(z[5m])) > 0 and on() vector(1)", ["z"], id="and-on-empty-list"),
        pytest.param(
            'w{path="/a,b", body="{x}", q=~"a|b\\"}"}',
            ['w{path="/a,b", body="{x}", q=~"a|b\\"}"}'],
            id="commas-braces-and-escaped-quotes-in-label-values",
        ),
        pytest.param("sum(rate(a[5m])) by (le) / on (le) group_left (cohort) b", ["a", "b"], id="trailing-by"),
        pytest.param("sum without (instance) (c) * on(job) group_left d", ["c", "d"], id="group-left-no-list"),
        pytest.param("a offset 1h30m + b @ 1609746000 - c offset -5m", ["a", "b", "c"], id="offset-and-at"),
        pytest.param("max_over_time(e[1h:5m]) >= bool 2.5e3", ["e"], id="subquery-bool-and-exponent"),
        pytest.param(
            'topk(10, f) or bottomk(3, g) unless quantile(0.9, h) or count_values("v", i)',
            ["f", "g", "h", "i"],
            id="parameterised-aggregations",
        ),
        pytest.param('label_replace(j{k="l"}, "dst", "$1", "src", "(.*)")', ['j{k="l"}'], id="strings-are-not-metrics"),
        pytest.param(
            '{__name__="m", n="o"} + ALERTS{alertstate="firing"}',
            ['{__name__="m", n="o"}', 'ALERTS{alertstate="firing"}'],
            id="no-metric-name",
        ),
        pytest.param("up == 0 and up", ["up"], id="no-repeats"),
        pytest.param("rate (p [5m]) # a comment naming q", ["p"], id="spaces-and-comments"),
        pytest.param("job:requests:rate5m > 0x10", ["job:requests:rate5m"], id="recording-rule-and-hex"),
        pytest.param(
            's{a="b"}[$__rate_interval] and t{instance=~"$instance"}',
            ['s{a="b"}', 't{instance=~"$instance"}'],
            id="grafana-variables-in-ranges-and-strings",
        ),
        pytest.param("SUM BY (le) (u) AND v", ["u", "v"], id="keywords-in-capitals"),
    ],
)
def test_vector_selectors(expr, selectors):
    assert vector_selectors(expr) == selectors


@pytest.mark.parametrize("expr", ["sum(a) + $instance", "rate(a[5m]", 'a{b="c}'])
def test_what_is_not_promql_is_refused_rather_than_guessed(expr):
    with pytest.raises(ValueError):
        vector_selectors(expr)


@pytest.mark.parametrize(
    ("expr", "summed"),
    [
        ("sum(a) / max(b)", ["a"]),
        ('sum by (le) (rate(a[5m])) + sum without (x) (b{c="d"})', ["a", 'b{c="d"}']),
        ("max(sum(a)) + sum_over_time(b[5m]) + count(c)", ["a"]),
        ("sum(rate(a[5m])) by (le)", ["a"]),
    ],
)
def test_aggregated_selectors_are_the_ones_inside_the_aggregation(expr, summed):
    assert aggregated_selectors(expr, "sum") == summed


def test_dashboard_expressions_stand_in_for_grafana_variables(tmp_path):
    dashboard = tmp_path / "dashboard.json"
    dashboard.write_text(
        """{"panels": [
            {"type": "row", "title": "Row", "panels": [
                {"title": "Folded", "targets": [{"expr": "a{instance=~\\"${instance}\\"}[$__range]"}]}
            ]},
            {"title": "Rate", "targets": [
                {"expr": "rate(b{instance=~\\"$instance\\"}[$__rate_interval]) / $__interval"},
                {"expr": ""}
            ]}
        ]}"""
    )
    assert dashboard_expressions(dashboard) == [
        ("Folded", 'a{instance=~".*"}[5m]'),
        ("Rate", 'rate(b{instance=~".*"}[1m]) / 1m'),
    ]


def test_an_unknown_grafana_variable_is_an_error(tmp_path):
    dashboard = tmp_path / "dashboard.json"
    dashboard.write_text('{"panels": [{"title": "T", "targets": [{"expr": "a{cohort=\\"$cohort\\"}"}]}]}')
    with pytest.raises(ValueError, match="cohort"):
        dashboard_expressions(dashboard)
