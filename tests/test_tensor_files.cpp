// Tensor files: safetensors and the restricted .pth reader against the official fixtures, plus hostile and
// broken files built here (pickle bytes written by hand, zipped with libzip) that must each be refused with a
// message naming the problem.
#include <zip.h>

#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <functional>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/pth_reader.h"
#include "common/safetensors.h"

using namespace weft;

namespace {

const QString kFixtures = QStringLiteral(WEFT_SHARED_DIR "/fixtures");
const QString kTestData = QStringLiteral(WEFT_SOURCE_DIR "/tests/data");

std::string str(const QString& s) { return s.toStdString(); }

// The message of the weft::Error `f` throws, or "" when it succeeds (any other exception fails the test).
QString error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const weft::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

#define EXPECT_ERROR(expr, needle)                                                                          \
  do {                                                                                                      \
    const QString msg_ = error_of([&] { (void)(expr); });                                                   \
    QVERIFY2(!msg_.isEmpty(), "no error thrown");                                                           \
    QVERIFY2(msg_.contains(needle), qPrintable("message \"" + msg_ + "\" lacks \"" + QString(needle) + "\"")); \
  } while (0)

// ---- pickle writer -------------------------------------------------------------------------------------------

struct Pickle {
  std::string b = std::string("\x80\x02", 2);  // PROTO 2, as torch.save writes
  Pickle& op(unsigned char c) { b += static_cast<char>(c); return *this; }
  Pickle& raw(const std::string& s) { b += s; return *this; }
  Pickle& u8(unsigned v) { return op(static_cast<unsigned char>(v)); }
  Pickle& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8((v >> (8 * i)) & 0xff);
    return *this;
  }
  Pickle& s(const std::string& text) { op('X').u32(static_cast<std::uint32_t>(text.size())); return raw(text); }
  Pickle& i(std::int32_t v) { op('J'); return u32(static_cast<std::uint32_t>(v)); }
  Pickle& global(const std::string& module, const std::string& name) { op('c'); return raw(module + "\n" + name + "\n"); }
  Pickle& put(std::uint32_t k) { op('r'); return u32(k); }
  Pickle& get(std::uint32_t k) { op('j'); return u32(k); }
  Pickle& ints(const std::vector<std::int32_t>& v) {
    op('(');
    for (auto x : v) i(x);
    return op('t');
  }
  // _rebuild_tensor_v2(('storage', torch.<cls>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())
  Pickle& tensor(const std::string& cls, const std::string& key, std::int32_t numel, std::int32_t offset,
                 const std::vector<std::int32_t>& size, const std::vector<std::int32_t>& stride) {
    global("torch._utils", "_rebuild_tensor_v2").op('(');
    op('(').s("storage").global("torch", cls).s(key).s("cpu").i(numel).op('t').op('Q');
    i(offset).ints(size).ints(stride).op(0x89).global("collections", "OrderedDict").op(')').op('R');
    return op('t').op('R');
  }
  std::string stop() const { return b + "."; }
};

std::string floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

using Entries = std::vector<std::pair<std::string, std::string>>;

// A stored (uncompressed) zip, like torch.save writes.
void write_zip(const QString& path, const Entries& entries) {
  int err = 0;
  zip_t* z = zip_open(path.toUtf8().constData(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  QVERIFY(z);
  for (const auto& [name, data] : entries) {
    zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
    QVERIFY(src);
    const zip_int64_t idx = zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
    QVERIFY(idx >= 0);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
  }
  QCOMPARE(zip_close(z), 0);
}

Entries checkpoint(const std::string& pickle, const Entries& storages = {}) {
  Entries e{{"archive/data.pkl", pickle}, {"archive/version", "3\n"}};
  for (const auto& [key, data] : storages) e.push_back({"archive/data/" + key, data});
  return e;
}

bool same(const TensorRecord& a, const TensorRecord& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

template <class T>
std::vector<T> values(const TensorRecord& t) {
  std::vector<T> out(t.data.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), t.data.data(), out.size() * sizeof(T));
  return out;
}

QStringList fixture_checkpoints() {
  QStringList files;
  QDirIterator it(kFixtures, {"weights.pth"}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) files << it.next();
  files.sort();
  return files;
}

}  // namespace

class TestTensorFiles : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  QString path(const QString& name) const { return tmp_.filePath(name); }
  QString write_pth(const QString& name, const Entries& entries) {
    const QString p = path(name);
    write_zip(p, entries);
    return p;
  }

 private slots:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  // Every official state dict loads and equals its safetensors twin bit for bit.
  void fixtureCheckpointsMatchSafetensors() {
    const QStringList files = fixture_checkpoints();
    QVERIFY2(files.size() >= 8, qPrintable(QString::number(files.size()) + " checkpoints found"));
    QVERIFY(files.contains(kFixtures + "/var/vqvae/weights.pth"));
    QVERIFY(files.contains(kFixtures + "/var/transformer/weights.pth"));
    for (const QString& pth : files) {
      const QString st = QFileInfo(pth).dir().filePath("weights.safetensors");
      const PyValue v = read_pth(str(pth));
      QCOMPARE(v.kind, PyValue::Kind::Dict);
      QVERIFY(!v.get("_metadata"));  // the OrderedDict's attribute, set by BUILD, is not an entry
      const NamedTensors got = flatten_tensors(v);
      const NamedTensors want = read_safetensors(str(st)).tensors;
      QVERIFY2(!want.empty(), qPrintable(st));
      QCOMPARE(got.size(), want.size());
      for (const auto& w : want) {
        const TensorRecord* g = find_tensor(got, w.name);
        QVERIFY2(g, qPrintable(pth + ": " + QString::fromStdString(w.name)));
        QVERIFY2(same(*g, w.tensor), qPrintable(pth + ": " + QString::fromStdString(w.name)));
      }
      // The same through the format-sniffing entry point, and from memory.
      QCOMPARE(read_tensor_file(str(pth)).size(), want.size());
      const std::string bytes = read_file(str(pth));
      const PyValue m = parse_pth(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "<memory>");
      QCOMPARE(flatten_tensors(m).size(), want.size());
    }
  }

  void fixtureShapesOnly() {
    const QString pth = kFixtures + "/var/vqvae/weights.pth";
    PthOptions shapes_only;
    shapes_only.load_data = false;
    const NamedTensors got = flatten_tensors(read_pth(str(pth), shapes_only));
    const NamedTensors want = read_safetensors(str(kFixtures + "/var/vqvae/weights.safetensors"), false).tensors;
    QCOMPARE(got.size(), want.size());
    for (const auto& w : want) {
      const TensorRecord* g = find_tensor(got, w.name);
      QVERIFY(g);
      QCOMPARE(g->dtype, w.tensor.dtype);
      QCOMPARE(g->shape, w.tensor.shape);
      QVERIFY(g->data.empty() && w.tensor.data.empty());
    }
    const NamedTensors var = read_tensor_file(str(kFixtures + "/var/transformer/weights.pth"), false);
    const TensorRecord* lvl = find_tensor(var, "lvl_1L");
    QVERIFY(lvl);
    QCOMPARE(lvl->dtype, DType::I64);
  }

  // torch.save((input, y_data, node_number_list, labels_y_txt, max_length, posdim_emb, max_neighbors))
  void datasetTuple() {
    const QString dir = kFixtures + "/spiderweb_transformer";
    const PyValue v = read_pth(str(dir + "/dataset_webs_format_sample.pt"));
    QCOMPARE(v.kind, PyValue::Kind::Tuple);
    QCOMPARE(v.items.size(), std::size_t(7));
    const auto io = read_safetensors(str(dir + "/io.safetensors")).tensors;
    const char* names[] = {"dataset_input", "dataset_y_data", "dataset_node_number_list"};
    const std::vector<std::int64_t> shapes[] = {{4, 64, 16}, {4, 7}, {4}};
    for (int k = 0; k < 3; ++k) {
      QCOMPARE(v.items[k].kind, PyValue::Kind::Tensor);
      QCOMPARE(v.items[k].tensor->shape, shapes[k]);
      QVERIFY(same(*v.items[k].tensor, *find_tensor(io, names[k])));
    }
    QCOMPARE(v.items[2].tensor->dtype, DType::I64);
    QCOMPARE(values<std::int64_t>(*v.items[2].tensor), (std::vector<std::int64_t>{11, 19, 33, 64}));
    const PyValue& labels = v.items[3];
    QCOMPARE(labels.kind, PyValue::Kind::List);
    QCOMPARE(labels.items.size(), std::size_t(7));
    QCOMPARE(labels.items[0].text, std::string("avg_edge_length"));
    QCOMPARE(labels.items[6].text, std::string("avg_node_degree"));
    QCOMPARE(v.items[4].integer, std::int64_t(64));
    QCOMPARE(v.items[5].integer, std::int64_t(16));
    QCOMPARE(v.items[6].integer, std::int64_t(5));
    const NamedTensors flat = flatten_tensors(v);
    QCOMPARE(flat.size(), std::size_t(3));
    QCOMPARE(flat[0].name, std::string("0"));
    QCOMPARE(flat[2].name, std::string("2"));
  }

  // tests/data/strided.pth: views saved by torch (transposed, offset, permuted, stride 0) come out row-major.
  void stridedTensorsFromTorch() {
    const PyValue v = read_pth(str(kTestData + "/strided.pth"));
    QCOMPARE(v.kind, PyValue::Kind::Dict);
    QCOMPARE(values<float>(*v.get("t")->tensor), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
    QCOMPARE(v.get("t")->tensor->shape, (std::vector<std::int64_t>{4, 3}));
    QCOMPARE(values<std::int64_t>(*v.get("s")->tensor), (std::vector<std::int64_t>{3, 4, 5, 6}));
    QCOMPARE(values<float>(*v.get("p")->tensor), (std::vector<float>{1, 9, 13, 21, 2, 10, 14, 22, 3, 11, 15, 23}));
    QCOMPARE(v.get("p")->tensor->shape, (std::vector<std::int64_t>{3, 2, 2}));
    const TensorRecord& e = *v.get("e")->tensor;  // float16 [1.5, -2] expanded to 3 rows
    QCOMPARE(e.dtype, DType::F16);
    QCOMPARE(values<std::uint16_t>(e), (std::vector<std::uint16_t>{0x3e00, 0xc000, 0x3e00, 0xc000, 0x3e00, 0xc000}));
    QCOMPARE(values<std::uint16_t>(*v.get("bf")->tensor), (std::vector<std::uint16_t>{0x3f80, 0xbf00, 0x4040}));
    QCOMPARE(v.get("bf")->tensor->dtype, DType::BF16);
    QCOMPARE(values<std::int8_t>(*v.get("i8")->tensor), (std::vector<std::int8_t>{-128, 0, 127}));
    const TensorRecord& scalar = *v.get("scalar")->tensor;
    QVERIFY(scalar.shape.empty());
    QCOMPARE(values<std::int32_t>(scalar), std::vector<std::int32_t>{7});
    QCOMPARE(v.get("empty")->tensor->shape, (std::vector<std::int64_t>{0, 3}));
    QVERIFY(v.get("empty")->tensor->has_data());

    const PyValue* nested = v.get("nested");
    QVERIFY(nested);
    const PyValue* w = nested->get("model")->get("w");
    QVERIFY(w && w->requires_grad);  // saved as an nn.Parameter
    QCOMPARE(values<float>(*w->tensor), (std::vector<float>{1, 2, 3, 4}));
    QVERIFY(!nested->get("model")->get("b")->requires_grad);
    QCOMPARE(values<std::uint8_t>(*nested->get("model")->get("b")->tensor), (std::vector<std::uint8_t>{1, 0, 1}));
    QCOMPARE(nested->get("epoch")->integer, std::int64_t(3));
    QCOMPARE(nested->get("lr")->number, 0.25);
    QCOMPARE(nested->get("name")->text, std::string("tiny"));
    QCOMPARE(nested->get("shape")->kind, PyValue::Kind::Tuple);
    QCOMPARE(nested->get("shape")->items[1].integer, std::int64_t(3));
    QCOMPARE(nested->get("tags")->items[1].kind, PyValue::Kind::None);

    // flatten_tensors: dict keys joined with '.', in insertion order.
    const NamedTensors flat = flatten_tensors(v);
    QStringList names;
    for (const auto& t : flat) names << QString::fromStdString(t.name);
    QCOMPARE(names, (QStringList{"t", "s", "p", "e", "nested.model.w", "nested.model.b", "bf", "i8", "scalar", "empty"}));
  }

  // The same kind of view, written here: offset 1, stride (1, 3) over a 7-element storage.
  void stridedTensorBuiltHere() {
    Pickle p;
    p.op('}').op('(').s("model").op('}').op('(').s("w");
    p.global("torch._utils", "_rebuild_parameter").op('(');
    p.tensor("FloatStorage", "0", 7, 1, {3, 2}, {1, 3}).op(0x88).global("collections", "OrderedDict").op(')').op('R');
    p.op('t').op('R');
    p.op('u').s("epoch").i(3).op('u');
    const QString f = write_pth("view.pth", checkpoint(p.stop(), {{"0", floats({0, 1, 2, 3, 4, 5, 6})}}));
    const PyValue v = read_pth(str(f));
    const NamedTensors flat = flatten_tensors(v);
    QCOMPARE(flat.size(), std::size_t(1));
    QCOMPARE(flat[0].name, std::string("model.w"));
    QCOMPARE(values<float>(flat[0].tensor), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    QVERIFY(v.get("model")->get("w")->requires_grad);
    QCOMPARE(v.get("epoch")->integer, std::int64_t(3));
  }

  // A list memoised, fetched back and filled later is seen filled (reference semantics); a tensor memoised is
  // shared, not copied, in the tree.
  void referenceSemantics() {
    Pickle q;
    q.op(']').put(0).op('0');                                // L = [] memoised, popped
    q.op('(').get(0).op('t').put(1).op('0');                 // tuple (L,) memoised, popped
    q.get(0).s("a").op('a').op('0');                         // L.append("a")
    q.op('(').get(1).get(0);
    q.tensor("FloatStorage", "0", 2, 0, {2}, {1}).put(2).get(2).op('t');
    const QString f = write_pth("refs.pth", checkpoint(q.stop(), {{"0", floats({5, 6})}}));
    const PyValue v = read_pth(str(f));
    QCOMPARE(v.kind, PyValue::Kind::Tuple);
    QCOMPARE(v.items.size(), std::size_t(4));
    QCOMPARE(v.items[0].items[0].items.size(), std::size_t(1));  // the tuple's list was filled afterwards
    QCOMPARE(v.items[1].items[0].text, std::string("a"));
    QCOMPARE(v.items[2].tensor.get(), v.items[3].tensor.get());
  }

  void safetensorsRoundTripAllDtypes() {
    NamedTensors ts;
    const DType all[] = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                         DType::I32, DType::I16, DType::I8,  DType::U8,   DType::Bool};
    int k = 0;
    for (DType d : all) {
      NamedTensor t;
      t.name = "t_" + std::string(dtype_name(d));
      t.tensor.dtype = d;
      t.tensor.shape = {2, 3};
      for (std::size_t b = 0; b < 6 * dtype_size(d); ++b) t.tensor.data.push_back(static_cast<std::uint8_t>(b * 7 + k));
      if (d == DType::Bool) t.tensor.data = {0, 1, 1, 0, 1, 0};
      QCOMPARE(dtype_from_name(dtype_name(d)), std::optional<DType>(d));
      ts.push_back(std::move(t));
      ++k;
    }
    NamedTensor empty;
    empty.name = "empty";
    empty.tensor.shape = {0, 4};
    ts.push_back(empty);
    NamedTensor scalar;
    scalar.name = "scalar";
    scalar.tensor.dtype = DType::I32;
    scalar.tensor.data = {1, 0, 0, 0};
    ts.push_back(scalar);
    const std::map<std::string, std::string> meta{{"format", "pt"}, {"note", "ünïcode \"quoted\""}};
    const QString f = path("all.safetensors");
    write_safetensors(str(f), ts, meta);

    const std::string bytes = read_file(str(f));
    std::uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    QCOMPARE(header % 8, std::uint64_t(0));
    const SafetensorsFile back = read_safetensors(str(f));
    QCOMPARE(back.metadata, meta);
    QCOMPARE(back.tensors.size(), ts.size());
    for (const auto& t : ts) {
      const TensorRecord* b = find_tensor(back.tensors, t.name);
      QVERIFY2(b, t.name.c_str());
      QVERIFY2(same(*b, t.tensor), t.name.c_str());
    }
    // Data-offset order = sorted names.
    for (std::size_t i = 1; i < back.tensors.size(); ++i) QVERIFY(back.tensors[i - 1].name < back.tensors[i].name);
    QCOMPARE(read_safetensors(str(f), false).metadata, meta);

    // Bad input to the writer.
    NamedTensors short_data{ts[0]};
    short_data[0].tensor.data.pop_back();
    EXPECT_ERROR(serialize_safetensors(short_data), "needs");
    NamedTensors twice{ts[0], ts[0]};
    EXPECT_ERROR(serialize_safetensors(twice), "two tensors");
    NamedTensors latin1{ts[0]};
    latin1[0].name = "caf\xe9";
    EXPECT_ERROR(serialize_safetensors(latin1), "not valid UTF-8");
  }

  // A safetensors header length whose low byte is 0x80 (a pickle's first byte) must still read as safetensors:
  // found when a trained web model's weights were refused as "not a zip archive".
  void safetensorsWithPickleLikeFirstByte() {
    for (int extra = 0; extra < 300; ++extra) {  // header lengths are multiples of 8: 32 lengths cover 0..255
      NamedTensor t;
      t.name = "w" + std::string(static_cast<std::size_t>(extra), 'x');
      t.tensor.dtype = DType::U8;
      t.tensor.shape = {1};
      t.tensor.data = {7};
      const QString f = path("first_byte.safetensors");
      write_safetensors(str(f), NamedTensors{t});
      const std::string bytes = read_file(str(f));
      if (static_cast<std::uint8_t>(bytes[0]) != 0x80) continue;
      const NamedTensors back = read_tensor_file(str(f));
      QCOMPARE(back.size(), std::size_t(1));
      QCOMPARE(back[0].name, t.name);
      return;
    }
    QFAIL("no name length gave a header length with low byte 0x80");
  }

  // Our writer reproduces the reference files byte for byte (sorted keys, compact JSON, space padding).
  void safetensorsWriterMatchesFixtures() {
    for (const char* name : {"/dlinear/weights.safetensors", "/var/vqvae/io.safetensors"}) {
      const std::string file = str(kFixtures + name);
      const SafetensorsFile st = read_safetensors(file);
      QVERIFY(serialize_safetensors(st.tensors, st.metadata) == read_file(file));
    }
  }

  void safetensorsRefusesCorruptFiles_data() {
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<int>("data_bytes");
    QTest::addColumn<QString>("expected");
    const QByteArray ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    QTest::newRow("bad json") << QByteArray(R"({"a":{"dtype":"F32",)") << 8 << "not valid JSON";
    QTest::newRow("not an object") << QByteArray("[1,2]") << 0 << "not an object";
    QTest::newRow("missing field") << QByteArray(R"({"a":{"dtype":"F32","shape":[2]}})") << 8 << "lacks dtype, shape or data_offsets";
    QTest::newRow("unknown dtype") << QByteArray(R"({"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})") << 2 << "unsupported dtype";
    QTest::newRow("negative dim") << QByteArray(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})") << 8 << "negative";
    QTest::newRow("offsets out of range") << QByteArray(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})") << 4 << "out of range";
    QTest::newRow("offsets reversed") << QByteArray(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})") << 8 << "out of range";
    QTest::newRow("size mismatch") << QByteArray(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})") << 12 << "size mismatch";
    QTest::newRow("overlap") << QByteArray("{" + ok_entry + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})") << 12 << "overlapping";
    QTest::newRow("huge shape") << QByteArray(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})") << 8 << "too";
    QTest::newRow("metadata not strings") << QByteArray(R"({"__metadata__":{"k":1}})") << 0 << "not a string";
    QTest::newRow("deep json") << QByteArray(2000, '[') << 0 << "JSON";
  }
  void safetensorsRefusesCorruptFiles() {
    QFETCH(QByteArray, header);
    QFETCH(int, data_bytes);
    QFETCH(QString, expected);
    std::string bytes(8, '\0');
    std::uint64_t n = static_cast<std::uint64_t>(header.size());
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    bytes += header.toStdString() + std::string(static_cast<std::size_t>(data_bytes), '\0');
    EXPECT_ERROR(parse_safetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "mem.st"), expected);
    const QString f = path("corrupt.safetensors");
    write_file_atomic(str(f), bytes);
    EXPECT_ERROR(read_safetensors(str(f)), expected);
    EXPECT_ERROR(read_safetensors(str(f), false), expected);
    QVERIFY(error_of([&] { read_safetensors(str(f)); }).startsWith(f));  // says where
  }

  void safetensorsRefusesBadLengths() {
    const std::string tiny = "abc";
    EXPECT_ERROR(parse_safetensors(reinterpret_cast<const std::uint8_t*>(tiny.data()), tiny.size(), "m"), "too short");
    std::string over(16, '\0');
    over[0] = 100;  // header length 100 > 8 bytes remaining
    EXPECT_ERROR(parse_safetensors(reinterpret_cast<const std::uint8_t*>(over.data()), over.size(), "m"),
                 "exceeds the file size");
    // A real file cut short: its data area no longer holds the last tensor.
    std::string cut = read_file(str(kFixtures + "/dlinear/weights.safetensors"));
    cut.resize(cut.size() - 10);
    EXPECT_ERROR(parse_safetensors(reinterpret_cast<const std::uint8_t*>(cut.data()), cut.size(), "m"), "out of range");
  }

  void maliciousPickles_data() {
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* name, const std::string& p, const QString& expected) {
      QTest::newRow(name) << QByteArray::fromStdString(p) << expected;
    };
    row("posix system", Pickle().global("posix", "system").s("ls").op(0x85).op('R').stop(),
        "pickle byte 2: global 'posix system' is not allowed (a checkpoint may only contain tensors");
    row("builtins eval", Pickle().global("builtins", "eval").s("1").op(0x85).op('R').stop(),
        "global 'builtins eval' is not allowed");
    row("os system", Pickle().global("os", "system").s("ls").op(0x85).op('R').stop(), "global 'os system' is not allowed");
    row("load_from_bytes", Pickle().global("torch.storage", "_load_from_bytes").stop(),
        "global 'torch.storage _load_from_bytes' is not allowed");
    row("numpy", Pickle().global("numpy.core.multiarray", "_reconstruct").stop(), "is not allowed");
    row("stack global reduce", Pickle().s("builtins").s("exec").op(0x93).s("print(1)").op(0x85).op('R').stop(),
        "global 'builtins exec' is not allowed");
    row("torchscript", Pickle().global("__torch__.Net", "Net").stop(), "TorchScript");
    row("reduce storage class", Pickle().global("torch", "FloatStorage").op(')').op('R').stop(), "cannot be called");
    row("reduce a string", Pickle().s("os").op(')').op('R').stop(), "REDUCE on a str");
    row("reduce bad arity", Pickle().global("torch._utils", "_rebuild_tensor_v2").op(')').op('R').stop(),
        "called with 0 arguments");
    row("inst", Pickle().op('(').raw("iposix\nsystem\n").stop(), "opcode INST (0x69) is not allowed");
    row("obj", Pickle().op('(').op('o').stop(), "opcode OBJ (0x6f) is not allowed");
    row("newobj", Pickle().op(')').op(')').op(0x81).stop(), "opcode NEWOBJ (0x81) is not allowed");
    row("persid text", Pickle().raw("P0\n").stop(), "opcode PERSID");
    row("unknown opcode", Pickle().op(0xff).stop(), "unknown opcode 0xff");
    row("protocol 9", "\x80\x09N.", "unsupported pickle protocol 9");
    row("recursive list", Pickle().op(']').put(0).get(0).op('a').stop(), "recursive structure");
    row("recursive dict", Pickle().op('}').put(0).s("k").get(0).op(0x85).op('s').stop(), "recursive structure");
    row("memo missing", Pickle().op('h').u8(5).stop(), "memo key 5 not found (BINGET)");
    row("memo missing long", Pickle().op('N').put(1).get(2).stop(), "memo key 2 not found (LONG_BINGET)");
    row("stack underflow", Pickle().op('a').stop(), "stack underflow (APPEND needs 2 items)");
    row("underflow below mark", Pickle().op(']').op('(').op('N').op('a').stop(), "stack underflow");
    row("setitem underflow", Pickle().op('}').op('s').stop(), "stack underflow (SETITEM");
    row("stop on empty", Pickle().stop(), "stack underflow (STOP");
    row("pop mark without mark", Pickle().op('1').stop(), "without a MARK");
    row("truncated string", Pickle().op('X').u32(100).raw("ab").b, "truncated");
    row("no stop", Pickle().op('N').b, "without STOP");
    row("append to tuple", Pickle().op(')').op('N').op('a').stop(), "expects a list, got a tuple");
    row("setitem on list", Pickle().op(']').op('N').op('N').op('s').stop(), "expects a dict, got a list");
    row("list as key", Pickle().op('}').op(']').op('N').op('s').stop(), "cannot be a dict key");
    row("build on list", Pickle().op(']').op('}').op('b').stop(), "BUILD on a list is not allowed");
    row("huge long", Pickle().op(0x8a).u8(9).raw(std::string(9, '\x01')).stop(), "does not fit in 64 bits");
    row("bad persistent id", Pickle().op('(').s("storage").op('t').op('Q').stop(), "persistent id must be");
    row("bare storage", Pickle().op('(').s("storage").global("torch", "FloatStorage").s("0").s("cpu").i(4)
                            .op('t').op('Q').stop(), "bare storage");
    row("global as value", Pickle().global("collections", "OrderedDict").stop(), "appears as a value");
    row("storage too short", Pickle().tensor("FloatStorage", "0", 6, 0, {6}, {1}).stop(),
        "holds 16 bytes but 6 F32 elements need 24 (storage too short)");
    row("stride outside storage", Pickle().tensor("FloatStorage", "0", 4, 0, {2, 2}, {3, 1}).stop(),
        "reaches element 4 but its storage '0' has 4 elements");
    row("offset outside storage", Pickle().tensor("FloatStorage", "0", 4, 3, {2}, {1}).stop(), "outside the storage");
    row("negative stride", Pickle().tensor("FloatStorage", "0", 4, 3, {2}, {-1}).stop(), "negative");
    row("missing storage", Pickle().tensor("FloatStorage", "7", 1, 0, {1}, {1}).stop(),
        "storage record 'archive/data/7' is missing from the archive");
    row("size and stride differ", Pickle().tensor("FloatStorage", "0", 4, 0, {2, 2}, {1}).stop(), "differ in length");
    row("unknown storage", Pickle().global("torch", "ComplexFloatStorage").stop(), "is not allowed");

    // 100000 nested lists: the C++ conversion would recurse that deep.
    Pickle deep;
    for (int k = 0; k < 100000; ++k) deep.op(']');
    for (int k = 0; k < 99999; ++k) deep.op('a');
    row("nesting bomb", deep.stop(), "nest deeper than 1000 levels");
  }
  void maliciousPickles() {
    QFETCH(QByteArray, pickle);
    QFETCH(QString, expected);
    const QString f = write_pth("bad.pth", checkpoint(pickle.toStdString(), {{"0", floats({1, 2, 3, 4})}}));
    EXPECT_ERROR(read_pth(str(f)), expected);
    const std::string bytes = read_file(str(f));
    EXPECT_ERROR(parse_pth(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "mem"), expected);
    QVERIFY(error_of([&] { read_pth(str(f)); }).startsWith(f + ": archive/data.pkl: "));  // says where
  }

  void brokenArchives() {
    // A real checkpoint cut in half.
    std::string half = read_file(str(kFixtures + "/dlinear/weights.pth"));
    half.resize(half.size() / 2);
    const QString cut = path("cut.pth");
    write_file_atomic(str(cut), half);
    EXPECT_ERROR(read_pth(str(cut)), "truncated or corrupt");
    EXPECT_ERROR(parse_pth(reinterpret_cast<const std::uint8_t*>(half.data()), half.size(), "m"), "truncated or corrupt");
    EXPECT_ERROR(read_tensor_file(str(cut)), "truncated or corrupt");

    // A zip that is no checkpoint.
    const QString nopkl = write_pth("nopkl.pth", {{"archive/version", "3\n"}, {"archive/data/0", "abcd"}});
    EXPECT_ERROR(read_pth(str(nopkl)), "no <root>/data.pkl");

    // Corrupt stored data: CRC mismatch is detected.
    std::string crc = read_file(str(kFixtures + "/dlinear/weights.pth"));
    const auto at = crc.find("Linear_Seasonal");
    QVERIFY(at != std::string::npos);
    crc[at] = 'X';
    EXPECT_ERROR(parse_pth(reinterpret_cast<const std::uint8_t*>(crc.data()), crc.size(), "m"), "data.pkl");

    // Legacy (pre-1.6) torch.save output is a bare pickle stream.
    const QString legacy = path("legacy.pt");
    write_file_atomic(str(legacy), std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15));
    EXPECT_ERROR(read_pth(str(legacy)), "legacy (pre-1.6) format");
    EXPECT_ERROR(read_tensor_file(str(legacy)), "Re-save it");

    // A safetensors file handed to the .pth reader.
    EXPECT_ERROR(read_pth(str(kFixtures + "/dlinear/weights.safetensors")), "looks like a safetensors file");
    EXPECT_ERROR(read_pth(str(path("does-not-exist.pth"))), "cannot open");
    EXPECT_ERROR(parse_pth(nullptr, 0, "empty"), "file is empty");
    const QString empty = path("empty.pth");
    write_file_atomic(str(empty), std::string());
    EXPECT_ERROR(read_pth(str(empty)), "file is empty");

    // Big-endian archives.
    const QString big = write_pth("big.pth", {{"archive/data.pkl", Pickle().op('N').stop()}, {"archive/byteorder", "big"}});
    EXPECT_ERROR(read_pth(str(big)), "byte order 'big' is not supported");
    const QString little = write_pth("little.pth", {{"archive/data.pkl", Pickle().i(5).stop()}, {"archive/byteorder", "little"}});
    QCOMPARE(read_pth(str(little)).integer, std::int64_t(5));

    // Two roots.
    const QString two = write_pth("two.pth", {{"a/data.pkl", Pickle().op('N').stop()}, {"b/data.pkl", Pickle().op('N').stop()}});
    EXPECT_ERROR(read_pth(str(two)), "more than one");
  }

  // Small files that would expand without bound are stopped by the limits.
  void resourceBombs() {
    // Billion laughs: each list holds the previous one twice, 2^40 values once expanded.
    Pickle laughs;
    laughs.op(']').put(0);
    for (std::uint32_t k = 1; k <= 40; ++k) laughs.op('(').get(k - 1).get(k - 1).op('l').put(k);
    const QString f = write_pth("laughs.pth", checkpoint(laughs.stop()));
    PthOptions small;
    small.max_values = 100000;
    EXPECT_ERROR(read_pth(str(f), small), "more than 100000 values");

    // One float expanded (stride 0) to 40 GB.
    const QString e = write_pth("expand.pth", checkpoint(Pickle().tensor("FloatStorage", "0", 1, 0, {100000, 100000}, {0, 0}).stop(),
                                                          {{"0", floats({1})}}));
    EXPECT_ERROR(read_pth(str(e)), "exceed the limit");
    PthOptions shapes_only;
    shapes_only.load_data = false;  // nothing is built, so the shape alone is fine
    QCOMPARE(flatten_tensors(read_pth(str(e), shapes_only))[0].tensor.shape, (std::vector<std::int64_t>{100000, 100000}));

    // Long keys nested: names are bounded instead of growing with every level.
    Pickle names;
    names.op('}').s(std::string(40000, 'k')).put(0).op('}').get(0).tensor("FloatStorage", "0", 1, 0, {}, {});
    names.op('s').op('s');
    const QString n = write_pth("names.pth", checkpoint(names.stop(), {{"0", floats({1})}}));
    EXPECT_ERROR(flatten_tensors(read_pth(str(n))), "longer than 65536 bytes");

    // A storage read many times through different tensors is read once.
    Pickle many;
    many.op('(');
    for (int k = 0; k < 100; ++k) many.tensor("FloatStorage", "0", 4, 0, {4}, {1});
    many.op('l');
    const QString m = write_pth("many.pth", checkpoint(many.stop(), {{"0", floats({1, 2, 3, 4})}}));
    const NamedTensors flat = flatten_tensors(read_pth(str(m)));
    QCOMPARE(flat.size(), std::size_t(100));
    QCOMPARE(flat[99].name, std::string("99"));
    QCOMPARE(values<float>(flat[99].tensor), (std::vector<float>{1, 2, 3, 4}));
  }

  void tensorRecordHelpers() {
    TensorRecord t;
    t.shape = {2, 3, 64};
    QCOMPARE(t.numel(), std::int64_t(384));
    QCOMPARE(shape_string(t.shape), std::string("[2, 3, 64]"));
    t.shape = {-1};
    EXPECT_ERROR(t.numel(), "negative dimension");
    t.shape = {std::int64_t(1) << 40, std::int64_t(1) << 40};
    EXPECT_ERROR(t.numel(), "too many elements");
    EXPECT_ERROR(tensor_nbytes(DType::F64, {std::int64_t(1) << 61}), "too large");
    QCOMPARE(dtype_from_name("BOOL"), std::optional<DType>(DType::Bool));
    QVERIFY(!dtype_from_name("F8"));
    PyValue d;
    QVERIFY(!d.get("x"));
    QCOMPARE(d.kind_name(), std::string("None"));
  }
};

QTEST_APPLESS_MAIN(TestTensorFiles)
#include "test_tensor_files.moc"
