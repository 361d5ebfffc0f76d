// Calendar steps: monthly, quarterly and yearly data is regular on the calendar (steps of 28-31 days), its gaps
// are whole missing months that make_regular fills, and advancing keeps the day of month or the month end.
// Clock steps (hourly, daily, weekly) are unchanged.
#include <QtTest/QtTest>

#include <sstream>

#include "common/error.h"
#include "series/csv_reader.h"
#include "series/gap_fill.h"
#include "series/parse_report.h"

using namespace weft::series;

namespace {

Timestamp ts(const char* text) { return *parse_timestamp(text); }
std::string fmt(Timestamp t) { return format_timestamp(t).substr(0, 10); }

SeriesTable parse(const std::string& text) {
  std::istringstream in(text);
  return parse_csv(in, "m.csv");
}

// date,v with one row per date.
std::string csv_of(const std::vector<std::string>& dates) {
  std::string s = "date,v\n";
  for (std::size_t i = 0; i < dates.size(); ++i) s += dates[i] + "," + std::to_string(i) + "\n";
  return s;
}

std::vector<std::string> monthly(int year, int month, int day, int count, int step = 1, bool month_end = false) {
  std::vector<std::string> out;
  const TimeStep s{0, step, month_end};
  const Timestamp first = to_timestamp({year, month, day, 0, 0, 0});
  for (int i = 0; i < count; ++i) out.push_back(fmt(advance(first, s, i)));
  return out;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestSeriesCalendar : public QObject {
  Q_OBJECT
 private slots:
  void advance_clamps_to_month_end() {
    const TimeStep month{0, 1, false}, month_end{0, 1, true};
    QCOMPARE(fmt(advance(ts("2020-01-31"), month)), std::string("2020-02-29"));
    QCOMPARE(fmt(advance(ts("2021-01-31"), month)), std::string("2021-02-28"));
    QCOMPARE(fmt(advance(ts("2021-01-31"), month, 2)), std::string("2021-03-31"));  // from the anchor, not chained
    QCOMPARE(fmt(advance(ts("2021-02-28"), month)), std::string("2021-03-28"));
    QCOMPARE(fmt(advance(ts("2021-02-28"), month_end)), std::string("2021-03-31"));
    QCOMPARE(fmt(advance(ts("2021-11-30"), month_end, 3)), std::string("2022-02-28"));
    QCOMPARE(fmt(advance(ts("1990-03-01"), month, -3)), std::string("1989-12-01"));
    QCOMPARE(format_timestamp(advance(ts("2020-05-15 06:30:00"), TimeStep{0, 12, false})),
             std::string("2021-05-15 06:30:00"));
    QCOMPARE(advance(ts("2020-01-01"), TimeStep{3600, 0, false}, 5), ts("2020-01-01 05:00"));
    QVERIFY(is_month_end(ts("2024-02-29")) && !is_month_end(ts("2023-02-27")));
  }

  void step_names_and_nominal_seconds() {
    QCOMPARE(format_step(TimeStep{0, 1, false}), std::string("1 month"));
    QCOMPARE(format_step(TimeStep{0, 3, false}), std::string("3 months"));
    QCOMPARE(format_step(TimeStep{0, 12, false}), std::string("1 year"));
    QCOMPARE(format_step(TimeStep{0, 24, false}), std::string("2 years"));
    QCOMPARE(format_step(TimeStep{3600, 0, false}), std::string("1 h"));
    QCOMPARE(format_step(TimeStep{7 * 86400, 0, false}), std::string("7 days"));
    // Second-based interfaces carry months × kMonthSeconds; no clock step decodes as months.
    QCOMPARE(TimeStep::from_seconds(3 * kMonthSeconds).months, 3);
    QCOMPARE(TimeStep::from_seconds(86400).months, 0);
    QCOMPARE(TimeStep::from_seconds(31 * 86400).seconds, std::int64_t(31 * 86400));
    QCOMPARE(format_duration(kMonthSeconds), std::string("1 month"));
  }

  void monthly_is_regular() {
    auto t = parse(csv_of(monthly(1990, 1, 1, 40)));  // 1990-01-01, 1990-02-01, ...
    auto r = make_report(t);
    QVERIFY(r.regular());
    QCOMPARE(r.time_step.months, 1);
    QVERIFY(!r.time_step.month_end);
    QCOMPARE(r.step, kMonthSeconds);
    QVERIFY(contains(r.to_text(), "step 1 month\n"));
    QCOMPARE(r.to_json()["frequency"].get<std::string>(), std::string("1 month"));
    QCOMPARE(r.to_json()["step_months"].get<int>(), 1);
    // The spreadsheet spelling with slashes and a time.
    auto slashed = make_report(parse("date,v\n2001/1/1 0:00,1\n2001/2/1 0:00,2\n2001/3/1 0:00,3\n"));
    QVERIFY(slashed.regular());
    QCOMPARE(slashed.time_step.months, 1);
  }

  void month_end_and_quarterly_and_yearly() {
    auto ends = make_report(parse(csv_of({"2019-01-31", "2019-02-28", "2019-03-31", "2019-04-30", "2019-05-31",
                                          "2019-06-30", "2019-07-31", "2019-08-31", "2019-09-30", "2019-10-31",
                                          "2019-11-30", "2019-12-31", "2020-01-31", "2020-02-29", "2020-03-31"})));
    QVERIFY(ends.regular());
    QCOMPARE(ends.time_step.months, 1);
    QVERIFY(ends.time_step.month_end);
    QVERIFY(contains(ends.to_text(), "step 1 month (month ends)"));

    auto quarterly = make_report(parse(csv_of(monthly(2000, 3, 31, 20, 3, true))));  // Mar 31, Jun 30, Sep 30, Dec 31
    QVERIFY(quarterly.regular());
    QCOMPARE(quarterly.time_step.months, 3);
    QCOMPARE(format_step(quarterly.time_step), std::string("3 months"));
    auto q_start = make_report(parse(csv_of(monthly(2000, 1, 1, 9, 3))));
    QVERIFY(q_start.regular());
    QCOMPARE(q_start.time_step.months, 3);

    auto yearly = make_report(parse(csv_of({"1990-07-01", "1991-07-01", "1992-07-01", "1993-07-01"})));
    QVERIFY(yearly.regular());
    QCOMPARE(format_step(yearly.time_step), std::string("1 year"));
  }

  void weekly_and_daily_stay_clock_steps() {
    auto weekly = make_report(parse(csv_of({"2020-01-06", "2020-01-13", "2020-01-20", "2020-01-27", "2020-02-03"})));
    QVERIFY(weekly.regular());
    QCOMPARE(weekly.time_step.months, 0);
    QCOMPARE(weekly.step, std::int64_t(7 * 86400));
    auto daily = make_report(parse(csv_of({"2020-01-30", "2020-01-31", "2020-02-01", "2020-02-02"})));
    QVERIFY(daily.regular());
    QCOMPARE(daily.step, std::int64_t(86400));
    // Month ends of a daily file are not a calendar step: one day off the 1st breaks the pattern.
    auto hourly = make_report(parse("date,v\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 02:00,3\n"));
    QCOMPARE(hourly.step, std::int64_t(3600));
  }

  void missing_month_is_a_gap_and_filled() {
    auto dates = monthly(1990, 1, 1, 12);
    dates.erase(dates.begin() + 4);  // no 1990-05-01
    auto t = parse(csv_of(dates));
    auto r = make_report(t);
    QCOMPARE(r.time_step.months, 1);
    QCOMPARE(r.gaps, size_t(1));
    QCOMPARE(r.missing_steps, size_t(1));
    QCOMPARE(r.irregular, size_t(0));
    QVERIFY(contains(r.issues.at(0), "m.csv line 6: gap of 2 months before 1990-06-01 00:00:00 (1 missing steps)"));
    QVERIFY_THROWS_EXCEPTION(weft::Error, make_regular(t, r, FillMethod::Refuse));
    auto s = make_regular(t, r, FillMethod::Linear);
    QCOMPARE(s.inserted_rows, size_t(1));
    QCOMPARE(t.rows(), size_t(12));
    QCOMPARE(fmt(t.time[4]), std::string("1990-05-01"));
    QCOMPARE(t.at(4, 0), 3.5);  // between the April (3) and June (4) values
    QVERIFY(make_report(t).regular());

    // Month ends: the filled rows land on month ends too (Feb 28, not Feb 31 or Mar 3).
    auto ends = parse(csv_of({"2021-01-31", "2021-04-30", "2021-05-31", "2021-06-30"}));
    auto re = make_report(ends);
    QVERIFY(re.time_step.month_end);
    QCOMPARE(re.missing_steps, size_t(2));
    make_regular(ends, re, FillMethod::Forward);
    QCOMPARE(fmt(ends.time[1]), std::string("2021-02-28"));
    QCOMPARE(fmt(ends.time[2]), std::string("2021-03-31"));
    QVERIFY(make_report(ends).regular());

    // A missing quarter.
    auto qd = monthly(2000, 1, 15, 8, 3);
    qd.erase(qd.begin() + 2);
    auto rq = make_report(parse(csv_of(qd)));
    QCOMPARE(rq.time_step.months, 3);
    QCOMPARE(rq.missing_steps, size_t(1));
  }

  // Rows on the 30th sit on Feb 28/29 in February; a gap over February is filled the same way.
  void day_30_is_clamped_in_february() {
    auto r = make_report(parse(csv_of({"2021-01-30", "2021-02-28", "2021-03-30", "2021-04-30", "2021-05-30"})));
    QVERIFY(r.regular());
    QCOMPARE(r.time_step.months, 1);
    QCOMPARE(r.time_step.day, 30);
    QVERIFY(!r.time_step.month_end);
    QCOMPARE(fmt(advance(ts("2021-02-28"), r.time_step)), std::string("2021-03-30"));
    auto t = parse(csv_of({"2021-12-30", "2022-01-30", "2022-04-30", "2022-05-30", "2022-06-30"}));
    auto rg = make_report(t);
    QCOMPARE(rg.missing_steps, size_t(2));
    make_regular(t, rg, FillMethod::Forward);
    QCOMPARE(fmt(t.time[2]), std::string("2022-02-28"));
    QCOMPARE(fmt(t.time[3]), std::string("2022-03-30"));
    QVERIFY(make_report(t).regular());
    QCOMPARE(series_step(t.time, kMonthSeconds).day, 30);
  }

  void off_calendar_dates_are_irregular() {
    // One mid-month row: not a calendar series, so the 28-31 day steps are reported, not silently accepted.
    auto dates = monthly(1990, 1, 1, 12);
    dates[5] = "1990-06-15";
    auto r = make_report(parse(csv_of(dates)));
    QCOMPARE(r.time_step.months, 0);
    QVERIFY(!r.regular());
    QVERIFY(r.irregular > 0);
    // Repeated months are out of order, as for clock steps.
    auto rep = make_report(parse(csv_of({"2020-01-01", "2020-02-01", "2020-02-01", "2020-03-01"})));
    QCOMPARE(rep.time_step.months, 1);
    QCOMPARE(rep.out_of_order, size_t(1));
  }

  void series_step_reads_the_anchor() {
    std::vector<Timestamp> ends, firsts;
    for (const auto& d : monthly(2019, 1, 31, 14, 1, true)) ends.push_back(ts(d.c_str()));
    for (const auto& d : monthly(2019, 1, 28, 14)) firsts.push_back(ts(d.c_str()));
    QVERIFY(series_step(ends, kMonthSeconds).month_end);
    QVERIFY(!series_step(firsts, kMonthSeconds).month_end);  // every 28th: not month ends, even in February
    QCOMPARE(series_step(ends, 3600).seconds, std::int64_t(3600));
  }
};

QTEST_APPLESS_MAIN(TestSeriesCalendar)
#include "test_series_calendar.moc"
