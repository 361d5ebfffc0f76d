// CSV ingest: the shared benchmark files parse with the right shape and step, and malformed input of every kind
// gives a weft::Error that names the file, line and column instead of crashing.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "common/cancel_token.h"
#include "common/error.h"
#include "series/csv_reader.h"
#include "series/gap_fill.h"
#include "series/parse_report.h"

using namespace weft::series;

namespace {

const std::string kData = std::string(WEFT_SHARED_DIR) + "/data/timeseries/";

SeriesTable parse(const std::string& text, const std::string& name = "test.csv", const CsvOptions& o = {}) {
  std::istringstream in(text);
  return parse_csv(in, name, o);
}

// The message of the Error that parsing `text` throws (fails the test when nothing is thrown).
std::string error_of(const std::string& text, const std::string& name = "test.csv", const CsvOptions& o = {}) {
  try {
    parse(text, name, o);
  } catch (const weft::Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The report as run_csv_inspect builds it: one streaming pass, no values table.
struct ReportStream : RowVisitor {
  std::unique_ptr<ReportBuilder> builder;
  void layout(const SeriesTable& t) override { builder = std::make_unique<ReportBuilder>(t); }
  void row(std::int64_t line, const Timestamp* time, const double* values) override { builder->add(line, time, values); }
};

ParseReport streamed_report(const std::string& path) {
  ReportStream s;
  scan_csv_file(path, s, {});
  return s.builder->finish();
}

// Resident memory now, from /proc/self/status (0 where it cannot be read).
long rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

}  // namespace

class TestSeriesCsv : public QObject {
  Q_OBJECT
 private slots:
  void timestamps() {
    QCOMPARE(*parse_timestamp("1970-01-01 00:00:00"), Timestamp(0));
    QCOMPARE(*parse_timestamp("2016-07-01 01:00:00") - *parse_timestamp("2016-07-01"), Timestamp(3600));
    QCOMPARE(*parse_timestamp("1990/1/2 0:00") - *parse_timestamp("1990/1/1 0:00"), Timestamp(86400));
    QCOMPARE(*parse_timestamp("2016-07-01T00:00Z"), *parse_timestamp("2016-07-01 00:00:00"));
    QVERIFY(!parse_timestamp("2017-02-30"));
    QVERIFY(!parse_timestamp("2016-13-01"));
    QVERIFY(!parse_timestamp("2016-07-01 24:00"));
    QVERIFY(!parse_timestamp("12.5"));
    QVERIFY(!parse_timestamp("2016-7-1"));  // ISO needs two-digit fields; slashes allow one
    QCOMPARE(day_of_week(*parse_timestamp("2016-07-01")), 4);  // a Friday
    QCOMPARE(day_of_year(*parse_timestamp("2016-12-31")), 366);
    QCOMPARE(format_timestamp(*parse_timestamp("2018-06-26 19:00")), std::string("2018-06-26 19:00:00"));
    // Spreadsheet spellings with the year last, and ISO months.
    QCOMPARE(*parse_timestamp("1949-02"), *parse_timestamp("1949-02-01"));
    QVERIFY(!parse_timestamp("1949-13"));
    QCOMPARE(*parse_timestamp("13.01.2020 08:30"), *parse_timestamp("2020-01-13 08:30"));  // dots: day first
    QCOMPARE(*parse_timestamp("03-01-2020"), *parse_timestamp("2020-01-03"));              // dashes: day first
    QCOMPARE(*parse_timestamp("1/3/2020"), *parse_timestamp("2020-01-03"));                // slashes: month first
    QCOMPARE(*parse_timestamp("1/3/2020", DayMonth::DayFirst), *parse_timestamp("2020-03-01"));
    QVERIFY(!parse_timestamp("13/1/2020"));  // no 13th month …
    QVERIFY(looks_like_timestamp("13/1/2020"));  // … but a day-first date
    QVERIFY(!parse_timestamp("31.02.2020"));
    QVERIFY(!parse_timestamp("1.234.567"));
    QVERIFY(!parse_timestamp("12.10"));
    std::vector<std::string_view> us{"1/2/2020", "1/13/2020"}, eu{"1/2/2020", "13/2/2020"};
    QCOMPARE(guess_day_month(us), DayMonth::MonthFirst);
    QCOMPARE(guess_day_month(eu), DayMonth::DayFirst);
  }

  // A column of year-last dates is read in the order its values show, and monthly ISO months get a month step.
  void year_last_and_monthly_dates() {
    auto eu = parse("Datum;Wert\n11/01/2020;1\n12/01/2020;2\n13/01/2020;3\n14/01/2020;4\n");
    QCOMPARE(eu.date_name, std::string("Datum"));
    QCOMPARE(eu.time.front(), *parse_timestamp("2020-01-11"));
    QCOMPARE(eu.time[1] - eu.time[0], Timestamp(86400));
    auto us = parse("date,v\n1/11/2020,1\n1/12/2020,2\n1/13/2020,3\n");
    QCOMPARE(us.time.back(), *parse_timestamp("2020-01-13"));
    auto monthly = parse("Month,Passengers\n1949-01,112\n1949-02,118\n1949-03,132\n1949-04,129\n");
    QCOMPARE(monthly.date_name, std::string("Month"));
    QCOMPARE(monthly.columns, std::vector<std::string>{"Passengers"});
    const auto report = make_report(monthly);
    QCOMPARE(report.time_step.months, 1);
    QVERIFY(report.regular());
  }

  void cells() {
    double v = 0;
    QCOMPARE(parse_cell(" 1.5e3 ", ',', v), CellKind::Number);
    QCOMPARE(v, 1500.0);
    QCOMPARE(parse_cell("+2", ',', v), CellKind::Number);
    QCOMPARE(parse_cell("-4.08", ',', v), CellKind::Number);
    QCOMPARE(v, -4.08);
    QCOMPARE(parse_cell("3,5", ';', v), CellKind::Number);  // decimal comma only when ',' is not the delimiter
    QCOMPARE(v, 3.5);
    QCOMPARE(parse_cell("", ',', v), CellKind::Missing);
    QCOMPARE(parse_cell("NaN", ',', v), CellKind::Missing);
    QCOMPARE(parse_cell("NA", ',', v), CellKind::Missing);
    QCOMPARE(parse_cell("n/a", ',', v), CellKind::Invalid);
    QCOMPARE(parse_cell("inf", ',', v), CellKind::Invalid);
    QCOMPARE(parse_cell("1.2.3", ',', v), CellKind::Invalid);
    QCOMPARE(parse_cell("12abc", ',', v), CellKind::Invalid);
  }

  void shared_files() {
    auto h1 = read_csv(kData + "ETTh1.csv");
    QCOMPARE(h1.rows(), size_t(17420));
    QCOMPARE(h1.cols(), size_t(7));
    QCOMPARE(h1.columns.back(), std::string("OT"));
    QCOMPARE(h1.date_name, std::string("date"));
    QVERIFY(h1.has_header);
    QCOMPARE(h1.at(0, 6), 30.5310001373291);
    auto r = make_report(h1);
    QCOMPARE(r.step, std::int64_t(3600));
    QVERIFY(r.regular());
    QCOMPARE(r.missing_values, size_t(0));
    QCOMPARE(format_timestamp(r.last), std::string("2018-06-26 19:00:00"));

    auto ex = read_csv(kData + "exchange_rate.csv");  // slashed dates, no final newline
    QCOMPARE(ex.rows(), size_t(7588));
    QCOMPARE(ex.cols(), size_t(8));
    QCOMPARE(ex.at(7587, 7), 0.692689);
    auto rx = make_report(ex);
    QCOMPARE(rx.step, std::int64_t(86400));
    QVERIFY(rx.regular());
    QCOMPARE(format_timestamp(rx.last), std::string("2010-10-10 00:00:00"));

    auto ili = read_csv(kData + "national_illness.csv");
    QCOMPARE(ili.rows(), size_t(966));
    QCOMPARE(ili.columns.front(), std::string("% WEIGHTED ILI"));
    QCOMPARE(make_report(ili).step, std::int64_t(7 * 86400));
    QVERIFY(contains(make_report(ili).to_text(), "step 7 days"));
  }

  void text_in_number_column() {
    std::string csv = "date,HUFL,OT\n2016-07-01 00:00:00,1,2\n2016-07-01 01:00:00,1,2\n2016-07-01 02:00:00,1,n/a\n";
    QCOMPARE(error_of(csv, "ETTh1.csv"), std::string("ETTh1.csv line 4, column \"OT\": \"n/a\" is not a number"));
  }

  void ragged_rows() {
    QCOMPARE(error_of("a,b,c\n1,2,3\n4,5\n"), std::string("test.csv line 3: 2 fields, expected 3 (as in the header)"));
    QVERIFY(contains(error_of("a,b,c\n1,2,3\n4,5,6,7\n"), "line 3: 4 fields, expected 3"));
  }

  void empty_and_header_only() {
    QCOMPARE(error_of(""), std::string("test.csv: the file is empty"));
    QCOMPARE(error_of("\n  \n\r\n"), std::string("test.csv: the file is empty"));
    QCOMPARE(error_of("date,OT\n"), std::string("test.csv: the file has a header but no data rows"));
    QCOMPARE(error_of("date,name\n2016-07-01,x\n"), std::string("test.csv: no numeric column found"));
  }

  void bad_dates_and_quotes() {
    QVERIFY(contains(error_of("date,v\n2016-07-01,1\n2016-07-32,2\n"), "line 3, column \"date\": \"2016-07-32\" is not a date"));
    QVERIFY(contains(error_of("a,b\n1,\"2\n"), "line 2: a quoted field is not closed"));
    CsvOptions o;
    o.max_line_bytes = 64;
    QVERIFY(contains(error_of("a,b\n1," + std::string(200, '9') + "\n", "test.csv", o), "longer than 64 bytes"));
    std::string garbage("\x00\x01\xff\xfe,\x80\n\x00\x00,\x07\n", 12);
    QVERIFY(!error_of(garbage).empty());  // anything, as long as it is an Error and not a crash
  }

  void dialects() {
    auto semi = parse("\xEF\xBB\xBF" "Datum;Temp;Wind\r\n2020-01-01 00:00;3,5;1\r\n2020-01-01 01:00;4,25;2\r\n");
    QCOMPARE(semi.delimiter, ';');
    QCOMPARE(semi.date_name, std::string("Datum"));
    QCOMPARE(semi.at(1, 0), 4.25);
    auto tab = parse("t\tx\n1990/1/1 0:00\t1\n1990/1/2 0:00\t2\n");
    QCOMPARE(tab.delimiter, '\t');
    QCOMPARE(tab.rows(), size_t(2));
    auto quoted = parse("\"date\",\"a, b\",\"c\"\n\"2020-01-01\",\"1\",2\n");
    QCOMPARE(quoted.columns.front(), std::string("a, b"));
    QCOMPARE(quoted.at(0, 0), 1.0);
    auto bare = parse("1,2\n3,4\n5,6\n");  // no header, no date: rows are equally spaced
    QVERIFY(!bare.has_header);
    QVERIFY(bare.date_name.empty());
    QCOMPARE(bare.columns.front(), std::string("column 1"));
    QCOMPARE(bare.rows(), size_t(3));
    auto headerless_text = parse("2020-01-01,north,1\n2020-01-02,south,2\n");
    QVERIFY(!headerless_text.has_header);
    QCOMPARE(headerless_text.rows(), size_t(2));
    QCOMPARE(headerless_text.ignored.front(), std::string("column 2"));
    auto text_col = parse("date,region,v\n2020-01-01,north,1\n2020-01-02,south,2\n");
    QCOMPARE(text_col.columns.size(), size_t(1));
    QCOMPARE(text_col.ignored.front(), std::string("region"));
  }

  void gaps_and_missing() {
    std::string csv = "date,a,b\n2020-01-01 00:00,1,10\n2020-01-01 01:00,,11\n2020-01-01 02:00,3,NaN\n"
                      "2020-01-01 05:00,6,14\n2020-01-01 06:00,7,15\n";
    auto t = parse(csv);
    auto r = make_report(t);
    QCOMPARE(r.step, std::int64_t(3600));
    QCOMPARE(r.gaps, size_t(1));
    QCOMPARE(r.missing_steps, size_t(2));
    QCOMPARE(r.missing_values, size_t(2));
    QCOMPARE(r.first_missing, std::string("test.csv line 3, column \"a\""));
    QVERIFY(!r.regular());
    QVERIFY(contains(r.to_text(), "gap of 3 h"));
    try {
      make_regular(t, r, FillMethod::Refuse);
      QFAIL("refuse must throw");
    } catch (const weft::Error& e) {
      QVERIFY(contains(e.what(), "1 gaps in time (2 missing steps)"));
    }
    auto lin = t;
    auto s = make_regular(lin, r, FillMethod::Linear);
    QCOMPARE(s.inserted_rows, size_t(2));
    QCOMPARE(lin.rows(), size_t(7));
    QCOMPARE(lin.at(1, 0), 2.0);   // between 1 and 3
    QCOMPARE(lin.at(3, 0), 4.0);   // inserted row, between 3 and 6
    QCOMPARE(lin.at(4, 1), 13.25);  // NaN, two inserted rows, then 14: a line from 11
    QVERIFY(make_report(lin).regular());
    auto fwd = t;
    make_regular(fwd, r, FillMethod::Forward);
    QCOMPARE(fwd.at(1, 0), 1.0);
    QCOMPARE(fwd.at(4, 1), 11.0);
  }

  void irregular_timestamps() {
    auto t = parse("date,v\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 02:00,3\n2020-01-01 02:37,4\n"
                   "2020-01-01 02:37,5\n2020-01-01 04:00,6\n");
    auto r = make_report(t);
    QCOMPARE(r.irregular, size_t(2));  // 37 min and 1 h 23 min
    QCOMPARE(r.out_of_order, size_t(1));
    QVERIFY(contains(r.issues[0], "line 5: step of 37 min"));
    try {
      make_regular(t, r, FillMethod::Linear);
      QFAIL("irregular timestamps must be refused");
    } catch (const weft::Error& e) {
      QVERIFY(contains(e.what(), "sort or resample"));
    }
  }

  void absurd_gap_is_refused() {
    auto t = parse("date,v\n2020-01-01 00:00:00,1\n2020-01-01 00:00:01,2\n2920-01-01 00:00:02,3\n");
    auto r = make_report(t);
    QCOMPARE(r.gaps, size_t(1));
    QVERIFY_THROWS_EXCEPTION(weft::Error, make_regular(t, r, FillMethod::Forward));
  }

  // Mutated and random input: every outcome is a table or a weft::Error, never a crash or another exception.
  void mutations_only_throw_weft_errors() {
    const std::string base = "date,a,b\n2020-01-01 00:00,1.5,\"2\"\n2020-01-01 01:00,NaN,3\n2020-01-01 02:00,4,5\n";
    const char alphabet[] = ",;\t|\"\n\r .-+eE0123456789:/aZ\x00\xff";
    std::mt19937_64 gen(7);
    auto below = [&](size_t n) { return size_t(gen() % n); };
    int parsed = 0, refused = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string s = base;
      const int edits = 1 + int(below(6));
      for (int e = 0; e < edits; ++e) {
        const size_t pos = below(s.size() + 1);
        const char c = alphabet[below(sizeof alphabet - 1)];
        switch (below(3)) {
          case 0: s.insert(s.begin() + pos, c); break;
          case 1: if (pos < s.size()) s.erase(pos, 1); break;
          default: if (pos < s.size()) s[pos] = c; break;
        }
      }
      try {
        auto t = parse(s);
        auto r = make_report(t);
        auto copy = t;
        try {
          make_regular(copy, r, FillMethod::Linear);
        } catch (const weft::Error&) {
        }
        ++parsed;
      } catch (const weft::Error&) {
        ++refused;
      }
    }
    qInfo("%d parsed, %d refused with an Error", parsed, refused);
    QVERIFY(parsed > 0 && refused > 0);
  }

  void cancel_stops_a_long_read() {
    std::string csv = "a,b\n";
    for (int i = 0; i < 70000; ++i) csv += "1,2\n";
    std::istringstream in(csv);
    weft::CancelToken cancel;
    cancel.request(weft::CancelToken::Mode::Now);
    QVERIFY_THROWS_EXCEPTION(weft::Cancelled, parse_csv(in, "big.csv", {}, nullptr, &cancel));
  }

  // The streaming report (run_csv_inspect's) is the table's report, field for field.
  void streamed_report_matches_table_report() {
    for (const char* name : {"ETTh1.csv", "exchange_rate.csv", "national_illness.csv"}) {
      const auto streamed = streamed_report(kData + name).to_json();
      const auto full = make_report(read_csv(kData + name)).to_json();
      QVERIFY2(streamed == full, name);
    }
    QTemporaryDir dir;
    const std::string path = dir.filePath("gaps.csv").toStdString();
    std::ofstream(path) << "date,a,b\n2020-01-01 00:00,1,10\n2020-01-01 01:00,,11\n2020-01-01 02:37,3,NaN\n"
                           "2020-01-01 02:37,3,1\n2020-01-01 05:37,6,14\n";
    const ParseReport r = streamed_report(path);
    QCOMPARE(r.to_json(), make_report(read_csv(path)).to_json());
    QCOMPARE(r.missing_values, size_t(2));
    QCOMPARE(r.out_of_order, size_t(1));
    QCOMPARE(r.irregular + r.gaps, size_t(2));
  }

  // A file of a few tens of MB is reported with memory that does not grow with it (the values would take
  // rows × 3 × 8 bytes = 24 MB in a table; the streaming report keeps summaries and a step histogram only).
  // The 1 GB measurement, by hand (about 14 M rows of 8 columns; delete the file afterwards):
  //   python3 -c 'import datetime as d;t=d.datetime(2000,1,1);f=open("/tmp/big.csv","w");f.write("date,"+
  //     ",".join("c%d"%k for k in range(7))+"\n");[f.write(f"{t+d.timedelta(minutes=i):%Y-%m-%d %H:%M:%S}"+
  //     ",1.25"*7+"\n") for i in range(14_000_000)]'
  //   /usr/bin/time -v build/app/weft forecast inspect /tmp/big.csv   # "Maximum resident set size"
  void streamed_report_has_bounded_memory() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("big.csv").toStdString();
    const int n = 1000000;
    {
      std::ofstream out(path);
      out << "date,a,b,OT\n";
      char line[96];
      for (int i = 0; i < n; ++i) {
        const int gap = i >= 500000 ? 3600 : 0;  // one gap of an extra hour half way
        std::snprintf(line, sizeof line, "%s,%d.25,%d,-%d.5\n", format_timestamp(Timestamp(i) * 60 + gap).c_str(),
                      i % 977, i % 13, i % 101);
        out << line;
      }
    }
    const long before = rss_kb();
    long peak = before;
    struct Sampling : ReportStream {
      long* peak;
      std::size_t rows = 0;
      void row(std::int64_t line, const Timestamp* time, const double* values) override {
        ReportStream::row(line, time, values);
        if ((++rows & 0xffff) == 0) *peak = std::max(*peak, rss_kb());
      }
    } s;
    s.peak = &peak;
    QElapsedTimer timer;
    timer.start();
    const SeriesTable layout = scan_csv_file(path, s, {});
    const ParseReport r = s.builder->finish();
    const double secs = timer.elapsed() / 1000.0;
    QCOMPARE(r.rows, size_t(n));
    QCOMPARE(r.step, std::int64_t(60));
    QCOMPARE(r.gaps, size_t(1));
    QCOMPARE(r.missing_steps, size_t(60));  // 1 h + 1 min apart: 60 one-minute steps missing
    QCOMPARE(r.columns.size(), size_t(3));
    QCOMPARE(r.columns[0].max, 976.25);
    QCOMPARE(r.columns[2].min, -100.5);
    QVERIFY(layout.rows() == 0 && layout.values.empty());
    const double mb = QFileInfo(QString::fromStdString(path)).size() / 1e6;
    qInfo("streamed %d rows (%.1f MB) in %.2f s: %.0f rows/s, RSS grew by %ld kB", n, mb, secs, n / secs, peak - before);
    if (before > 0) QVERIFY2(peak - before < 8 * 1024, "RSS grew by more than 8 MB while streaming");
  }

  // A table that would not fit is refused early, with the numbers, instead of the process being killed.
  void table_over_the_memory_cap_is_refused() {
    std::string csv = "date,a,b\n";
    for (int i = 0; i < 5000; ++i) csv += format_timestamp(Timestamp(i) * 3600) + ",1,2\n";
    CsvOptions o;
    o.max_table_bytes = 40000;  // 2500 rows × 2 columns × 8 bytes
    std::istringstream in(csv);
    try {
      parse_csv(in, "huge.csv", o, nullptr, nullptr, csv.size());
      QFAIL("the cap must refuse the file");
    } catch (const weft::Error& e) {
      const std::string m = e.what();
      qInfo("%s", m.c_str());
      // At the first row, estimated from the sample's bytes per line: about 5000 rows, 80 kB.
      QVERIFY(contains(m, "huge.csv line 2: about "));
      const double estimate = std::atof(m.c_str() + m.find("about ") + 6);
      QVERIFY2(estimate > 4500 && estimate < 5500, m.c_str());
      QVERIFY(contains(m, " rows × 2 columns × 8 bytes = 8"));
      QVERIFY(contains(m, " kB of values would not fit in memory"));
      QVERIFY(contains(m, "the limit is 40 kB (the configured cap)"));
    }
    o.max_table_bytes = 100000;  // room for the table: accepted
    QCOMPARE(parse(csv, "ok.csv", o).rows(), size_t(5000));
    // The environment variable, as a user or a test of the whole pipeline would set it.
    qputenv("WEFT_CSV_MAX_BYTES", "1000");
    QVERIFY(contains(error_of(csv, "env.csv"), "(WEFT_CSV_MAX_BYTES)"));
    qputenv("WEFT_CSV_MAX_BYTES", "lots");
    QVERIFY(contains(error_of(csv, "env.csv"), "WEFT_CSV_MAX_BYTES: \"lots\" is not a number of bytes"));
    qunsetenv("WEFT_CSV_MAX_BYTES");
    QVERIFY(table_budget({}) > 0);  // half of MemAvailable on Linux
  }

  void streaming_many_rows() {
    std::string csv = "date,a,b\n";
    const int n = 200000;
    csv.reserve(size_t(n) * 40);
    for (int i = 0; i < n; ++i)
      csv += format_timestamp(Timestamp(i) * 60) + "," + std::to_string(i) + ",0.5\n";
    QElapsedTimer timer;
    timer.start();
    auto t = parse(csv);
    QCOMPARE(t.rows(), size_t(n));
    QCOMPARE(t.at(n - 1, 0), double(n - 1));
    QCOMPARE(make_report(t).step, std::int64_t(60));
    qInfo("parsed %d rows (%.1f MB) in %lld ms", n, csv.size() / 1e6, static_cast<long long>(timer.elapsed()));
  }
};

QTEST_APPLESS_MAIN(TestSeriesCsv)
#include "test_series_csv.moc"
