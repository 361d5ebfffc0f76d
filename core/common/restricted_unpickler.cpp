#include "common/restricted_unpickler.h"

#include <cstring>
#include <deque>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>

#include "common/error.h"

// Design: Python objects have reference semantics (a list stored in the memo and filled later must appear
// filled wherever it is referenced), so the VM builds objects in an arena and refers to them by index. Only at
// STOP is the arena converted into the owned PyValue tree; that conversion detects cycles, bounds depth and
// counts every value it produces, so shared sub-objects cannot multiply into an exponential tree.

namespace weft {
namespace {

// ---- opcodes ---------------------------------------------------------------------------------------------------

enum Op : std::uint8_t {
  MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I', BININT = 'J',
  BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P', BINPERSID = 'Q', REDUCE = 'R',
  STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U', UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a',
  BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h', INST = 'i',
  LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q', LONG_BINPUT = 'r',
  SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G', BINBYTES = 'B',
  SHORT_BINBYTES = 'C', PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85,
  TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
  SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90,
  FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96,
  NEXT_BUFFER = 0x97, READONLY_BUFFER = 0x98,
};

const char* op_name(std::uint8_t op) {
  switch (op) {
    case MARK: return "MARK"; case STOP: return "STOP"; case POP: return "POP"; case POP_MARK: return "POP_MARK";
    case DUP: return "DUP"; case FLOAT: return "FLOAT"; case INT: return "INT"; case BININT: return "BININT";
    case BININT1: return "BININT1"; case LONG: return "LONG"; case BININT2: return "BININT2"; case NONE: return "NONE";
    case PERSID: return "PERSID"; case BINPERSID: return "BINPERSID"; case REDUCE: return "REDUCE";
    case STRING: return "STRING"; case BINSTRING: return "BINSTRING"; case SHORT_BINSTRING: return "SHORT_BINSTRING";
    case UNICODE: return "UNICODE"; case BINUNICODE: return "BINUNICODE"; case APPEND: return "APPEND";
    case BUILD: return "BUILD"; case GLOBAL: return "GLOBAL"; case DICT: return "DICT"; case EMPTY_DICT: return "EMPTY_DICT";
    case APPENDS: return "APPENDS"; case GET: return "GET"; case BINGET: return "BINGET"; case INST: return "INST";
    case LONG_BINGET: return "LONG_BINGET"; case LIST: return "LIST"; case EMPTY_LIST: return "EMPTY_LIST";
    case OBJ: return "OBJ"; case PUT: return "PUT"; case BINPUT: return "BINPUT"; case LONG_BINPUT: return "LONG_BINPUT";
    case SETITEM: return "SETITEM"; case TUPLE: return "TUPLE"; case EMPTY_TUPLE: return "EMPTY_TUPLE";
    case SETITEMS: return "SETITEMS"; case BINFLOAT: return "BINFLOAT"; case BINBYTES: return "BINBYTES";
    case SHORT_BINBYTES: return "SHORT_BINBYTES"; case PROTO: return "PROTO"; case NEWOBJ: return "NEWOBJ";
    case EXT1: return "EXT1"; case EXT2: return "EXT2"; case EXT4: return "EXT4"; case TUPLE1: return "TUPLE1";
    case TUPLE2: return "TUPLE2"; case TUPLE3: return "TUPLE3"; case NEWTRUE: return "NEWTRUE";
    case NEWFALSE: return "NEWFALSE"; case LONG1: return "LONG1"; case LONG4: return "LONG4";
    case SHORT_BINUNICODE: return "SHORT_BINUNICODE"; case BINUNICODE8: return "BINUNICODE8";
    case BINBYTES8: return "BINBYTES8"; case EMPTY_SET: return "EMPTY_SET"; case ADDITEMS: return "ADDITEMS";
    case FROZENSET: return "FROZENSET"; case NEWOBJ_EX: return "NEWOBJ_EX"; case STACK_GLOBAL: return "STACK_GLOBAL";
    case MEMOIZE: return "MEMOIZE"; case FRAME: return "FRAME"; case BYTEARRAY8: return "BYTEARRAY8";
    case NEXT_BUFFER: return "NEXT_BUFFER"; case READONLY_BUFFER: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

std::string hex_byte(std::uint8_t b) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// Names from the file go into messages: keep them short and printable.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 80) out += "...";
  return out;
}

// ---- allow-listed globals --------------------------------------------------------------------------------------

enum class Callable : std::uint8_t {
  OrderedDict, RebuildTensorV2, RebuildTensor, RebuildParameter, RebuildParameterWithState, TorchSize, Storage
};

struct Allowed {
  const char* module;
  const char* name;
  Callable what;
  DType dtype;
};

constexpr Allowed kAllowed[] = {
    {"collections", "OrderedDict", Callable::OrderedDict, DType::F32},
    {"torch._utils", "_rebuild_tensor_v2", Callable::RebuildTensorV2, DType::F32},
    {"torch._utils", "_rebuild_tensor", Callable::RebuildTensor, DType::F32},
    {"torch._utils", "_rebuild_parameter", Callable::RebuildParameter, DType::F32},
    {"torch._utils", "_rebuild_parameter_with_state", Callable::RebuildParameterWithState, DType::F32},
    {"torch", "Size", Callable::TorchSize, DType::F32},
    {"torch", "DoubleStorage", Callable::Storage, DType::F64},
    {"torch", "FloatStorage", Callable::Storage, DType::F32},
    {"torch", "HalfStorage", Callable::Storage, DType::F16},
    {"torch", "BFloat16Storage", Callable::Storage, DType::BF16},
    {"torch", "LongStorage", Callable::Storage, DType::I64},
    {"torch", "IntStorage", Callable::Storage, DType::I32},
    {"torch", "ShortStorage", Callable::Storage, DType::I16},
    {"torch", "CharStorage", Callable::Storage, DType::I8},
    {"torch", "ByteStorage", Callable::Storage, DType::U8},
    {"torch", "BoolStorage", Callable::Storage, DType::Bool},
};

// ---- the arena -------------------------------------------------------------------------------------------------

using Ref = std::uint32_t;

struct Obj {
  enum class T : std::uint8_t { None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Tensor, Global, Storage };
  T type = T::None;
  bool flag = false;             // Bool: value; Dict: made by OrderedDict(); Tensor: requires_grad
  DType dtype = DType::F32;      // Global storage class / Storage
  Callable callable = Callable::OrderedDict;
  std::uint32_t pos = 0;         // pickle byte that created it (for messages)
  std::int64_t i = 0;            // Int; Str/Bytes: interned id; Global: index into kAllowed; Storage: numel
  double f = 0.0;                // Float
  std::string s;                 // Str / Bytes / Storage key
  std::vector<Ref> items;        // List / Tuple; Dict: key, value, key, value, ...
  std::shared_ptr<const TensorRecord> tensor;
};

// A dict key reduced to what Python's equality sees: 1 == 1.0 == True, equal strings are one interned id.
struct Key {
  char tag;
  std::int64_t v;
  bool operator==(const Key& o) const { return tag == o.tag && v == o.v; }
};
// Integer keys come from the file, and std::hash of an integer is the identity: keys chosen as multiples of the
// table's bucket count would all land in one bucket (quadratic time). A per-process random seed through a
// 64-bit mixer makes such keys impossible to precompute.
std::uint64_t mix(std::uint64_t x) {
  static const std::uint64_t seed = [] {
    std::random_device rd;
    return (std::uint64_t(rd()) << 32) ^ rd();
  }();
  x ^= seed;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
struct KeyHash {
  std::size_t operator()(const Key& k) const {
    return static_cast<std::size_t>(mix(static_cast<std::uint64_t>(k.v) * 8 + static_cast<std::uint8_t>(k.tag)));
  }
};
struct MemoHash {
  std::size_t operator()(std::uint64_t k) const { return static_cast<std::size_t>(mix(k)); }
};

std::string kind_of(Obj::T t) {
  switch (t) {
    case Obj::T::None: return "None"; case Obj::T::Bool: return "bool"; case Obj::T::Int: return "int";
    case Obj::T::Float: return "float"; case Obj::T::Str: return "str"; case Obj::T::Bytes: return "bytes";
    case Obj::T::List: return "list"; case Obj::T::Tuple: return "tuple"; case Obj::T::Dict: return "dict";
    case Obj::T::Tensor: return "tensor"; case Obj::T::Global: return "global"; case Obj::T::Storage: return "storage";
  }
  return "?";
}
std::string kind_of(const Obj& o) { return kind_of(o.type); }

bool mul_ok(std::int64_t a, std::int64_t b, std::int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
bool add_ok(std::int64_t a, std::int64_t b, std::int64_t& out) { return !__builtin_add_overflow(a, b, &out); }

class Vm {
 public:
  Vm(const std::uint8_t* bytes, std::size_t size, std::string_view origin, const StorageAccess& storages,
     const UnpickleLimits& limits)
      : p_(bytes), n_(size), origin_(origin), storages_(storages), limits_(limits) {}

  PyValue run();

 private:
  // -- errors and input
  [[noreturn]] void fail(const std::string& msg) const {
    throw Error("pickle byte " + std::to_string(op_pos_) + ": " + msg, origin_);
  }
  const std::uint8_t* take(std::uint64_t k) {
    if (k > n_ - pos_)
      fail(std::string(op_name(op_) ? op_name(op_) : "opcode") + " needs " + std::to_string(k) + " bytes but only " +
           std::to_string(n_ - pos_) + " remain (truncated pickle)");
    const std::uint8_t* at = p_ + pos_;
    pos_ += static_cast<std::size_t>(k);
    return at;
  }
  std::uint64_t le(int bytes) {
    const std::uint8_t* b = take(static_cast<std::uint64_t>(bytes));
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[i];
    return v;
  }
  std::string_view line() {
    const void* nl = std::memchr(p_ + pos_, '\n', n_ - pos_);
    if (!nl) fail("GLOBAL name is not terminated by a newline (truncated pickle)");
    const auto* end = static_cast<const std::uint8_t*>(nl);
    std::string_view s(reinterpret_cast<const char*>(p_ + pos_), static_cast<std::size_t>(end - (p_ + pos_)));
    pos_ += s.size() + 1;
    return s;
  }

  // -- arena and stack
  Ref make(Obj::T t) {
    if (arena_.size() >= limits_.max_values)
      fail("more than " + std::to_string(limits_.max_values) + " objects (limit for untrusted files)");
    arena_.emplace_back();
    arena_.back().type = t;
    arena_.back().pos = static_cast<std::uint32_t>(op_pos_);
    return static_cast<Ref>(arena_.size() - 1);
  }
  Obj& at(Ref r) { return arena_[r]; }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void need(std::size_t k) {
    if (stack_.size() - floor() < k)
      fail(std::string("stack underflow (") + op_name(op_) + " needs " + std::to_string(k) + " item" +
           (k == 1 ? "" : "s") + ")");
  }
  void push(Ref r) {
    if (stack_.size() >= limits_.max_values) fail("pickle stack grows beyond the limit");
    stack_.push_back(r);
  }
  Ref pop() {
    need(1);
    Ref r = stack_.back();
    stack_.pop_back();
    return r;
  }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail(std::string(op_name(op_)) + " without a MARK");
    std::vector<Ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Ref make_string(Obj::T t, std::uint64_t len);
  Ref make_int(std::int64_t v) {
    Ref r = make(Obj::T::Int);
    at(r).i = v;
    return r;
  }
  Ref make_tuple(std::vector<Ref> items) {
    Ref r = make(Obj::T::Tuple);
    at(r).items = std::move(items);
    return r;
  }
  void memo_put(std::uint64_t key) {
    need(1);
    if (memo_.size() >= limits_.max_values && !memo_.count(key)) fail("memo grows beyond the limit");
    memo_[key] = stack_.back();
  }
  void memo_get(std::uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("memo key " + std::to_string(key) + " not found (" + op_name(op_) + ")");
    push(it->second);
  }

  // -- containers
  Obj& expect(Ref r, Obj::T t, const char* what) {
    if (at(r).type != t) fail(std::string(what) + " expects a " + kind_of(t) + ", got a " + kind_of(at(r)));
    return at(r);
  }
  Key key_of(Ref r);
  void set_item(Ref dict, Ref key, Ref value);

  // -- globals, REDUCE, persistent ids, tensors
  Ref global(std::string_view module, std::string_view name);
  Ref reduce(Ref callable, Ref args);
  Ref persistent_load(Ref pid);
  Ref rebuild_tensor(const std::vector<Ref>& args, bool requires_grad);
  std::vector<std::int64_t> int_tuple(Ref r, const char* what);
  std::shared_ptr<const std::vector<std::uint8_t>> storage_bytes(const Obj& storage);
  void spend(std::uint64_t& used, std::uint64_t n, const char* what) {
    if (n > limits_.max_bytes - used)
      fail(std::string(what) + " exceed the limit of " + std::to_string(limits_.max_bytes) + " bytes");
    used += n;
  }

  // -- conversion at STOP
  PyValue convert(Ref r, int depth);

  const std::uint8_t* p_;
  std::size_t n_;
  std::string origin_;
  const StorageAccess& storages_;
  UnpickleLimits limits_;
  std::size_t pos_ = 0, op_pos_ = 0;
  std::uint8_t op_ = 0;

  std::deque<Obj> arena_;  // a deque: growth never moves objects, so interned string_views stay valid
  std::vector<Ref> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Ref, MemoHash> memo_;
  std::unordered_map<std::string_view, std::int64_t> interned_[2];  // str, bytes → id
  std::unordered_map<Ref, std::unordered_map<Key, std::size_t, KeyHash>> dict_index_;  // dict → key → item pos
  std::map<std::string, std::uint64_t> storage_size_;
  std::map<std::string, std::shared_ptr<const std::vector<std::uint8_t>>> storage_data_;
  std::uint64_t bytes_read_ = 0, bytes_out_ = 0, values_out_ = 0;
  std::vector<std::uint8_t> on_path_;  // conversion: 1 while a container is being converted (cycle check)
};

Ref Vm::make_string(Obj::T t, std::uint64_t len) {
  const std::uint8_t* b = take(len);
  Ref r = make(t);
  Obj& o = at(r);
  o.s.assign(reinterpret_cast<const char*>(b), static_cast<std::size_t>(len));
  // Interning costs O(len) once per string, so dict-key equality later is O(1) however long the key is.
  auto& table = interned_[t == Obj::T::Str ? 0 : 1];
  auto it = table.emplace(std::string_view(o.s), static_cast<std::int64_t>(table.size())).first;
  o.i = it->second;
  return r;
}

Key Vm::key_of(Ref r) {
  const Obj& k = at(r);
  switch (k.type) {
    case Obj::T::None: return {'n', 0};
    case Obj::T::Bool: return {'i', k.flag ? 1 : 0};
    case Obj::T::Int: return {'i', k.i};
    case Obj::T::Float: {
      // Python: 2.0 == 2, so integral floats share the int key.
      if (k.f == k.f && k.f >= -9.2e18 && k.f <= 9.2e18 && static_cast<double>(static_cast<std::int64_t>(k.f)) == k.f)
        return {'i', static_cast<std::int64_t>(k.f)};
      std::int64_t bits = 0;
      std::memcpy(&bits, &k.f, sizeof bits);
      return {'f', bits};
    }
    case Obj::T::Str: return {'s', k.i};
    case Obj::T::Bytes: return {'b', k.i};
    default: fail("a " + kind_of(k) + " cannot be a dict key here (only str, int, float, bool, None, bytes)");
  }
}

void Vm::set_item(Ref dict, Ref key, Ref value) {
  expect(dict, Obj::T::Dict, op_name(op_));
  auto& index = dict_index_[dict];
  auto [it, inserted] = index.emplace(key_of(key), at(dict).items.size());
  if (inserted) {
    at(dict).items.push_back(key);
    at(dict).items.push_back(value);
  } else {
    at(dict).items[it->second + 1] = value;  // Python keeps the first key and its position, replaces the value
  }
}

Ref Vm::global(std::string_view module, std::string_view name) {
  for (std::size_t i = 0; i < std::size(kAllowed); ++i) {
    if (module == kAllowed[i].module && name == kAllowed[i].name) {
      Ref r = make(Obj::T::Global);
      at(r).callable = kAllowed[i].what;
      at(r).dtype = kAllowed[i].dtype;
      at(r).i = static_cast<std::int64_t>(i);
      return r;
    }
  }
  std::string hint = " (a checkpoint may only contain tensors and plain values)";
  if (module.substr(0, 8) == "__torch_") hint = " (this looks like a TorchScript archive: load it with torch.jit.load)";
  fail("global '" + printable(module) + " " + printable(name) + "' is not allowed" + hint);
}

std::vector<std::int64_t> Vm::int_tuple(Ref r, const char* what) {
  const Obj& t = at(r);
  if (t.type != Obj::T::Tuple) fail(std::string(what) + " must be a tuple of ints, got a " + kind_of(t));
  std::vector<std::int64_t> out;
  for (Ref x : t.items) {
    if (at(x).type != Obj::T::Int) fail(std::string(what) + " holds a " + kind_of(at(x)) + ", not an int");
    out.push_back(at(x).i);
  }
  return out;
}

Ref Vm::reduce(Ref callable, Ref args_ref) {
  const Obj& fn = at(callable);
  if (fn.type != Obj::T::Global) fail("REDUCE on a " + kind_of(fn) + " (only allow-listed globals can be called)");
  const Obj& args_obj = at(args_ref);
  if (args_obj.type != Obj::T::Tuple) fail("REDUCE arguments must be a tuple, got a " + kind_of(args_obj));
  const std::vector<Ref> args = args_obj.items;  // copy: make() below may grow the arena
  const std::string fname = std::string(kAllowed[fn.i].module) + "." + kAllowed[fn.i].name;
  auto arity = [&](std::size_t lo, std::size_t hi) {
    if (args.size() < lo || args.size() > hi)
      fail(fname + " called with " + std::to_string(args.size()) + " arguments (expected " + std::to_string(lo) +
           (hi != lo ? "-" + std::to_string(hi) : "") + ")");
  };
  switch (fn.callable) {
    case Callable::OrderedDict: {
      arity(0, 0);
      Ref d = make(Obj::T::Dict);
      at(d).flag = true;
      return d;
    }
    case Callable::TorchSize: {
      arity(1, 1);
      int_tuple(args[0], "torch.Size");
      return args[0];  // torch.Size is a tuple of ints
    }
    case Callable::RebuildTensorV2: {
      // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
      arity(6, 7);
      if (at(args[4]).type != Obj::T::Bool) fail(fname + ": requires_grad must be a bool");
      if (at(args[5]).type != Obj::T::Dict) fail(fname + ": backward_hooks must be a dict");
      if (args.size() == 7 && at(args[6]).type != Obj::T::Dict && at(args[6]).type != Obj::T::None)
        fail(fname + ": metadata must be a dict or None");
      return rebuild_tensor(args, at(args[4]).flag);
    }
    case Callable::RebuildTensor:  // (storage, offset, size, stride)
      arity(4, 4);
      return rebuild_tensor(args, false);
    case Callable::RebuildParameter:            // (data, requires_grad, backward_hooks)
    case Callable::RebuildParameterWithState: { // (data, requires_grad, backward_hooks, state): state ignored
      if (fn.callable == Callable::RebuildParameter) arity(3, 3); else arity(4, 4);
      if (at(args[0]).type != Obj::T::Tensor) fail(fname + ": data must be a tensor, got a " + kind_of(at(args[0])));
      if (at(args[1]).type != Obj::T::Bool) fail(fname + ": requires_grad must be a bool");
      if (at(args[2]).type != Obj::T::Dict) fail(fname + ": backward_hooks must be a dict");
      Ref t = make(Obj::T::Tensor);
      at(t).tensor = at(args[0]).tensor;
      at(t).flag = at(args[1]).flag;
      return t;
    }
    case Callable::Storage: break;
  }
  fail("global '" + fname + "' cannot be called");
}

Ref Vm::persistent_load(Ref pid) {
  // torch.save writes ('storage', <storage class>, key, location, numel).
  const Obj& t = at(pid);
  if (t.type != Obj::T::Tuple || t.items.size() != 5 || at(t.items[0]).type != Obj::T::Str ||
      at(t.items[0]).s != "storage")
    fail("persistent id must be ('storage', class, key, location, numel)");
  const Obj& cls = at(t.items[1]);
  const Obj& key = at(t.items[2]);
  const Obj& loc = at(t.items[3]);
  const Obj& numel = at(t.items[4]);
  if (cls.type != Obj::T::Global || cls.callable != Callable::Storage)
    fail("persistent id names a " + kind_of(cls) + " where a storage class belongs");
  if (key.type != Obj::T::Str) fail("storage key must be a str");
  if (loc.type != Obj::T::Str) fail("storage location must be a str");
  if (numel.type != Obj::T::Int || numel.i < 0) fail("storage size must be a non-negative int");
  const DType dtype = cls.dtype;
  const std::int64_t n = numel.i;
  std::string k = key.s;
  Ref r = make(Obj::T::Storage);
  at(r).dtype = dtype;
  at(r).i = n;
  at(r).s = std::move(k);
  return r;
}

std::shared_ptr<const std::vector<std::uint8_t>> Vm::storage_bytes(const Obj& storage) {
  auto it = storage_data_.find(storage.s);
  if (it != storage_data_.end()) return it->second;
  spend(bytes_read_, storage_size_.at(storage.s), "storages and tensors");
  std::shared_ptr<const std::vector<std::uint8_t>> data;
  try {
    data = storages_.read(storage.s);
  } catch (const Error& e) {
    fail(e.what_part());
  }
  if (!data || data->size() != storage_size_.at(storage.s))
    fail("storage '" + printable(storage.s) + "' could not be read completely");
  storage_data_.emplace(storage.s, data);
  return data;
}

Ref Vm::rebuild_tensor(const std::vector<Ref>& args, bool requires_grad) {
  const Obj& storage = at(args[0]);
  if (storage.type != Obj::T::Storage) fail("tensor rebuilt from a " + kind_of(storage) + ", not a storage");
  if (at(args[1]).type != Obj::T::Int || at(args[1]).i < 0) fail("tensor storage offset must be a non-negative int");
  const std::int64_t offset = at(args[1]).i;
  const std::vector<std::int64_t> shape = int_tuple(args[2], "tensor size");
  const std::vector<std::int64_t> stride = int_tuple(args[3], "tensor stride");
  if (stride.size() != shape.size()) fail("tensor size and stride differ in length");
  const std::string desc = "tensor " + shape_string(shape) + " (stride " + shape_string(stride) + ", offset " +
                           std::to_string(offset) + ")";
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0 || stride[d] < 0) fail(desc + " has a negative size or stride");
  const DType dtype = storage.dtype;
  const std::size_t item = dtype_size(dtype);
  std::uint64_t nbytes = 0;
  try {
    nbytes = tensor_nbytes(dtype, shape);
  } catch (const Error& e) {
    fail(e.what_part());
  }
  const std::int64_t numel = static_cast<std::int64_t>(nbytes / item);

  // The last element the view touches must lie inside the storage.
  std::int64_t last = offset;
  for (std::size_t d = 0; d < shape.size() && numel > 0; ++d) {
    std::int64_t span = 0;
    if (!mul_ok(shape[d] - 1, stride[d], span) || !add_ok(last, span, last)) fail(desc + " overflows");
  }
  if (numel > 0 && last >= storage.i)
    fail(desc + " reaches element " + std::to_string(last) + " but its storage '" + printable(storage.s) +
         "' has " + std::to_string(storage.i) + " elements (stride or offset outside the storage)");

  // The storage record must hold all its declared elements (checked without reading it).
  std::int64_t storage_bytes_needed = 0;
  if (!mul_ok(storage.i, static_cast<std::int64_t>(item), storage_bytes_needed)) fail("storage size overflows");
  if (!storages_.size || !storages_.read) fail("tensor data is not available here (no storages)");
  auto known = storage_size_.find(storage.s);
  if (known == storage_size_.end()) {
    std::uint64_t size = 0;
    try {
      size = storages_.size(storage.s);
    } catch (const Error& e) {
      fail(e.what_part());  // report it at the pickle position that needed the storage
    }
    known = storage_size_.emplace(storage.s, size).first;
  }
  if (known->second < static_cast<std::uint64_t>(storage_bytes_needed))
    fail("storage '" + printable(storage.s) + "' holds " + std::to_string(known->second) + " bytes but " +
         std::to_string(storage.i) + " " + std::string(dtype_name(dtype)) + " elements need " +
         std::to_string(storage_bytes_needed) + " (storage too short)");

  auto rec = std::make_shared<TensorRecord>();
  rec->dtype = dtype;
  rec->shape = shape;
  if (limits_.load_data && numel > 0) {
    auto bytes = storage_bytes(storage);
    spend(bytes_read_, nbytes, "storages and tensors");
    rec->data.resize(static_cast<std::size_t>(nbytes));
    // Copy row-major: walk every index but the last with a counter, copy the last dimension as a run.
    const std::size_t dims = shape.size();
    const std::int64_t inner = dims ? shape[dims - 1] : 1;
    const std::int64_t inner_stride = dims ? stride[dims - 1] : 1;
    std::vector<std::int64_t> idx(dims, 0);
    std::uint8_t* out = rec->data.data();
    const std::uint8_t* src = bytes->data();
    for (std::int64_t done = 0; done < numel; done += inner) {
      std::int64_t base = offset;
      for (std::size_t d = 0; d + 1 < dims; ++d) base += idx[d] * stride[d];
      if (inner_stride == 1) {
        std::memcpy(out, src + base * static_cast<std::int64_t>(item), static_cast<std::size_t>(inner) * item);
        out += inner * static_cast<std::int64_t>(item);
      } else {
        for (std::int64_t j = 0; j < inner; ++j, out += item)
          std::memcpy(out, src + (base + j * inner_stride) * static_cast<std::int64_t>(item), item);
      }
      for (std::size_t d = dims - (dims ? 1 : 0); d-- > 0;) {  // odometer over the outer dimensions
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  Ref r = make(Obj::T::Tensor);
  at(r).tensor = std::move(rec);
  at(r).flag = requires_grad;
  return r;
}

PyValue Vm::convert(Ref r, int depth) {
  if (depth > limits_.max_depth) throw Error("values nest deeper than " + std::to_string(limits_.max_depth) + " levels", origin_);
  if (++values_out_ > limits_.max_values)
    throw Error("more than " + std::to_string(limits_.max_values) + " values (shared objects repeated too often?)",
                origin_);
  const Obj& o = at(r);
  auto where = [&] { return " (object made at pickle byte " + std::to_string(o.pos) + ")"; };
  PyValue v;
  auto count_bytes = [&](std::uint64_t n) {
    if (n > limits_.max_bytes - bytes_out_)
      throw Error("result exceeds the limit of " + std::to_string(limits_.max_bytes) + " bytes" + where(), origin_);
    bytes_out_ += n;
  };
  switch (o.type) {
    case Obj::T::None: v.kind = PyValue::Kind::None; return v;
    case Obj::T::Bool: v.kind = PyValue::Kind::Bool; v.boolean = o.flag; return v;
    case Obj::T::Int: v.kind = PyValue::Kind::Int; v.integer = o.i; return v;
    case Obj::T::Float: v.kind = PyValue::Kind::Float; v.number = o.f; return v;
    case Obj::T::Str:
    case Obj::T::Bytes:
      count_bytes(o.s.size());
      v.kind = o.type == Obj::T::Str ? PyValue::Kind::Str : PyValue::Kind::Bytes;
      v.text = o.s;
      return v;
    case Obj::T::Tensor:
      count_bytes(o.tensor->data.size());  // counted per occurrence: flattening copies each one
      v.kind = PyValue::Kind::Tensor;
      v.tensor = o.tensor;
      v.requires_grad = o.flag;
      return v;
    case Obj::T::Global:
      throw Error("global '" + std::string(kAllowed[o.i].module) + "." + kAllowed[o.i].name +
                      "' appears as a value" + where(), origin_);
    case Obj::T::Storage:
      throw Error("a bare storage is not supported (save tensors instead)" + where(), origin_);
    case Obj::T::List:
    case Obj::T::Tuple:
    case Obj::T::Dict: break;
  }
  if (on_path_[r]) throw Error("recursive structure: a " + kind_of(o) + " contains itself" + where(), origin_);
  on_path_[r] = 1;
  if (o.type == Obj::T::Dict) {
    v.kind = PyValue::Kind::Dict;
    v.entries.reserve(o.items.size() / 2);
    for (std::size_t i = 0; i + 1 < o.items.size(); i += 2)
      v.entries.emplace_back(convert(o.items[i], depth + 1), convert(o.items[i + 1], depth + 1));
  } else {
    v.kind = o.type == Obj::T::List ? PyValue::Kind::List : PyValue::Kind::Tuple;
    v.items.reserve(o.items.size());
    for (Ref x : o.items) v.items.push_back(convert(x, depth + 1));
  }
  on_path_[r] = 0;
  return v;
}

PyValue Vm::run() {
  if (n_ > std::numeric_limits<std::uint32_t>::max()) throw Error("pickle larger than 4 GB", origin_);
  for (;;) {
    op_pos_ = pos_;
    if (pos_ >= n_) fail("pickle ends without STOP (truncated)");
    op_ = p_[pos_++];
    switch (op_) {
      case PROTO: {
        const auto v = le(1);
        if (v > 5) fail("unsupported pickle protocol " + std::to_string(v));
        break;
      }
      case FRAME: le(8); break;  // framing is only a read-ahead hint
      case STOP: {
        need(1);
        on_path_.assign(arena_.size(), 0);
        return convert(stack_.back(), 0);
      }
      case MARK:
        if (marks_.size() >= limits_.max_values) fail("too many MARKs");
        marks_.push_back(stack_.size());
        break;
      case POP:
        if (stack_.size() > floor()) stack_.pop_back();
        else if (!marks_.empty()) marks_.pop_back();  // as Python: POP right after MARK discards the mark
        else need(1);
        break;
      case POP_MARK: pop_mark(); break;
      case DUP: need(1); push(stack_.back()); break;
      case NONE: push(make(Obj::T::None)); break;
      case NEWTRUE:
      case NEWFALSE: {
        Ref r = make(Obj::T::Bool);
        at(r).flag = op_ == NEWTRUE;
        push(r);
        break;
      }
      case BININT: push(make_int(static_cast<std::int32_t>(static_cast<std::uint32_t>(le(4))))); break;
      case BININT1: push(make_int(static_cast<std::int64_t>(le(1)))); break;
      case BININT2: push(make_int(static_cast<std::int64_t>(le(2)))); break;
      case LONG1:
      case LONG4: {
        const std::uint64_t len = le(op_ == LONG1 ? 1 : 4);
        if (len > 8) fail("integer of " + std::to_string(len) + " bytes does not fit in 64 bits");
        const int bytes = static_cast<int>(len);
        std::uint64_t v = bytes ? le(bytes) : 0;
        if (bytes > 0 && bytes < 8 && (v >> (8 * bytes - 1)) & 1) v |= ~std::uint64_t(0) << (8 * bytes);  // sign
        push(make_int(static_cast<std::int64_t>(v)));
        break;
      }
      case BINFLOAT: {
        const std::uint8_t* b = take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | b[i];  // big-endian
        Ref r = make(Obj::T::Float);
        std::memcpy(&at(r).f, &bits, sizeof bits);
        push(r);
        break;
      }
      case SHORT_BINUNICODE: push(make_string(Obj::T::Str, le(1))); break;
      case BINUNICODE: push(make_string(Obj::T::Str, le(4))); break;
      case BINUNICODE8: push(make_string(Obj::T::Str, le(8))); break;
      case SHORT_BINBYTES: push(make_string(Obj::T::Bytes, le(1))); break;
      case BINBYTES: push(make_string(Obj::T::Bytes, le(4))); break;
      case BINBYTES8: push(make_string(Obj::T::Bytes, le(8))); break;
      case EMPTY_DICT: push(make(Obj::T::Dict)); break;
      case EMPTY_LIST: push(make(Obj::T::List)); break;
      case EMPTY_TUPLE: push(make(Obj::T::Tuple)); break;
      case TUPLE: push(make_tuple(pop_mark())); break;
      case TUPLE1:
      case TUPLE2:
      case TUPLE3: {
        const std::size_t k = static_cast<std::size_t>(op_ - TUPLE1 + 1);
        need(k);
        std::vector<Ref> items(stack_.end() - static_cast<std::ptrdiff_t>(k), stack_.end());
        stack_.resize(stack_.size() - k);
        push(make_tuple(std::move(items)));
        break;
      }
      case LIST: {
        auto items = pop_mark();
        Ref r = make(Obj::T::List);
        at(r).items = std::move(items);
        push(r);
        break;
      }
      case DICT: {
        auto items = pop_mark();
        if (items.size() % 2) fail("DICT with an odd number of items");
        Ref r = make(Obj::T::Dict);
        for (std::size_t i = 0; i < items.size(); i += 2) set_item(r, items[i], items[i + 1]);
        push(r);
        break;
      }
      case APPEND: {
        need(2);
        Ref value = pop();
        expect(stack_.back(), Obj::T::List, "APPEND").items.push_back(value);
        break;
      }
      case APPENDS: {
        auto items = pop_mark();
        need(1);
        auto& list = expect(stack_.back(), Obj::T::List, "APPENDS").items;
        list.insert(list.end(), items.begin(), items.end());
        break;
      }
      case SETITEM: {
        need(3);
        Ref value = pop();
        Ref key = pop();
        set_item(stack_.back(), key, value);
        break;
      }
      case SETITEMS: {
        auto items = pop_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        need(1);
        for (std::size_t i = 0; i < items.size(); i += 2) set_item(stack_.back(), items[i], items[i + 1]);
        break;
      }
      case BINPUT: memo_put(le(1)); break;
      case LONG_BINPUT: memo_put(le(4)); break;
      case MEMOIZE: memo_put(memo_.size()); break;
      case BINGET: memo_get(le(1)); break;
      case LONG_BINGET: memo_get(le(4)); break;
      case GLOBAL: {
        const std::string_view module = line();
        const std::string_view name = line();
        push(global(module, name));
        break;
      }
      case STACK_GLOBAL: {
        need(2);
        const Obj& name = at(pop());
        const Obj& module = at(pop());
        if (module.type != Obj::T::Str || name.type != Obj::T::Str) fail("STACK_GLOBAL needs two strings");
        push(global(module.s, name.s));
        break;
      }
      case REDUCE: {
        need(2);
        Ref args = pop();
        Ref fn = pop();
        push(reduce(fn, args));
        break;
      }
      case BUILD: {
        // Only OrderedDict instances are built: torch.save stores a state dict's `_metadata` attribute this way.
        need(2);
        Ref state = pop();
        const Obj& target = at(stack_.back());
        if (target.type != Obj::T::Dict || !target.flag)
          fail("BUILD on a " + kind_of(target) + " is not allowed (only an OrderedDict's attributes)");
        if (at(state).type != Obj::T::Dict && at(state).type != Obj::T::None)
          fail("BUILD state must be a dict, got a " + kind_of(at(state)));
        break;  // the attributes (layer versions) carry no tensors: ignored
      }
      case BINPERSID: push(persistent_load(pop())); break;
      default: {
        const char* name = op_name(op_);
        if (name) fail(std::string("opcode ") + name + " (" + hex_byte(op_) + ") is not allowed");
        fail("unknown opcode " + hex_byte(op_) + " (not a pickle, or corrupt)");
      }
    }
  }
}

}  // namespace

PyValue unpickle_restricted(const std::uint8_t* bytes, std::size_t size, std::string_view origin,
                            const StorageAccess& storages, const UnpickleLimits& limits) {
  Vm vm(bytes, size, origin, storages, limits);
  return vm.run();
}

}  // namespace weft
