// _fdconform_posixsubprocess: the `fork_exec` function of CPython's
// _posixsubprocess module (the one Lib/subprocess.py calls on POSIX),
// implemented on spawn_core's child routine.
//
// The module is compiled against one CPython's headers and takes that
// version's argument list and conversions (3.11, 3.12 and 3.13 differ in
// how arguments are parsed and in some messages); the child's error-pipe
// text is the one that version's subprocess.py parses. The conversions and
// messages were taken from running each interpreter's own _posixsubprocess
// (see docs/CPYTHON_TESTS.md), not from its source.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <exception>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "spawn_core/fork_exec.hpp"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "_fdconform_posixsubprocess supports CPython 3.11 to 3.13"
#endif

#define FDCONFORM_PY311 (PY_VERSION_HEX < 0x030C0000)
#define FDCONFORM_PY313 (PY_VERSION_HEX >= 0x030D0000)

// CPython's uid/gid converters (Modules/posixmodule.c) are exported by every
// libpython 3.11-3.13 but not declared in the installed headers. Using them
// gives exactly CPython's TypeError/OverflowError messages for uid and gid.
extern "C" int _Py_Uid_Converter(PyObject* obj, uid_t* out);
extern "C" int _Py_Gid_Converter(PyObject* obj, gid_t* out);

namespace {

#ifdef NGROUPS_MAX
constexpr Py_ssize_t kMaxGroups = NGROUPS_MAX;
#else
constexpr Py_ssize_t kMaxGroups = 64;
#endif

// The 23 positional arguments of fork_exec, after the per-version parsing.
struct ForkExecCall {
  PyObject* process_args = nullptr;
  PyObject* executable_list = nullptr;
  int close_fds = 0;
  PyObject* fds_to_keep = nullptr;  // a tuple
  PyObject* cwd = nullptr;
  PyObject* env = nullptr;
  int p2cread = -1, p2cwrite = -1, c2pread = -1, c2pwrite = -1, errread = -1, errwrite = -1;
  int errpipe_read = -1, errpipe_write = -1;
  int restore_signals = 0;
  int call_setsid = 0;
  pid_t pgid_to_set = -1;
  PyObject* gid = nullptr;
  PyObject* extra_groups = nullptr;
  PyObject* uid = nullptr;
  int child_umask = -1;
  PyObject* preexec_fn = nullptr;
  int allow_vfork = 0;
};

// Owns a new reference.
class Ref {
 public:
  explicit Ref(PyObject* object = nullptr) : object_(object) {}
  ~Ref() { Py_XDECREF(object_); }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  PyObject* get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  PyObject* object_;
};

// A bytes object's content; TypeError for other types, ValueError for a NUL.
bool bytes_to_string(PyObject* item, std::string& out) {
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(item, &data, &size) != 0) return false;
  if (strlen(data) != static_cast<size_t>(size)) {
    PyErr_SetString(PyExc_ValueError, "embedded null byte");
    return false;
  }
  out.assign(data, static_cast<size_t>(size));
  return true;
}

// A sequence of bytes (executable_list, env) as C strings.
bool bytes_sequence(PyObject* sequence, std::vector<std::string>& out) {
  const Py_ssize_t size = PySequence_Size(sequence);
  if (size < 0) return false;
  out.reserve(static_cast<size_t>(size));
  for (Py_ssize_t i = 0; i < size; ++i) {
    Ref item(PySequence_GetItem(sequence, i));
    if (!item) return false;
    std::string value;
    if (!bytes_to_string(item.get(), value)) return false;
    out.push_back(std::move(value));
  }
  return true;
}

// A str/bytes/PathLike as a filesystem-encoded string.
bool fs_string(PyObject* object, std::string& out) {
  PyObject* converted = nullptr;
  if (PyUnicode_FSConverter(object, &converted) == 0) return false;
  Ref owner(converted);
  return bytes_to_string(converted, out);
}

// fds_to_keep must be a sorted tuple of distinct ints in [0, INT_MAX].
bool fds_to_keep_valid(PyObject* fds, std::vector<int>& out) {
  long previous = -1;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fds); ++i) {
    PyObject* item = PyTuple_GET_ITEM(fds, i);
    if (!PyLong_Check(item)) return false;
    const long fd = PyLong_AsLong(item);
    if (fd == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
    if (fd < 0 || fd <= previous || fd > INT_MAX) return false;
    previous = fd;
    out.push_back(static_cast<int>(fd));
  }
  return true;
}

#if !FDCONFORM_PY311
// An int argument as 3.12/3.13's argument clinic converts it.
bool clinic_int(PyObject* object, int& out) {
  int overflow = 0;
  const long value = PyLong_AsLongAndOverflow(object, &overflow);
  if (value == -1 && PyErr_Occurred()) return false;
  if (overflow != 0 || value > INT_MAX || value < INT_MIN) {
    PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
    return false;
  }
  out = static_cast<int>(value);
  return true;
}

bool clinic_bool(PyObject* object, int& out) {
  out = PyObject_IsTrue(object);
  return out >= 0;
}
#endif

constexpr Py_ssize_t kArgCount = 23;

#if FDCONFORM_PY311
// 3.11 parses its arguments with PyArg_ParseTuple: 'p' for close_fds and
// allow_vfork, 'i' for the fds, restore_signals, call_setsid, the process
// group and the umask.
bool parse_call(PyObject* args, ForkExecCall& c) {
  static_assert(sizeof(pid_t) == sizeof(int), "pid_t is parsed as a C int");
  return PyArg_ParseTuple(args, "OOpO!OOiiiiiiiiiiiOOOiOp:fork_exec", &c.process_args, &c.executable_list,
                          &c.close_fds, &PyTuple_Type, &c.fds_to_keep, &c.cwd, &c.env, &c.p2cread, &c.p2cwrite,
                          &c.c2pread, &c.c2pwrite, &c.errread, &c.errwrite, &c.errpipe_read, &c.errpipe_write,
                          &c.restore_signals, &c.call_setsid, &c.pgid_to_set, &c.gid, &c.extra_groups, &c.uid,
                          &c.child_umask, &c.preexec_fn, &c.allow_vfork) != 0;
}
#else
// 3.12 and 3.13 use argument clinic: exactly 23 positional arguments, bools
// by truth value, ints as C int; the process group is a C long truncated to
// pid_t on 3.12 and a C int on 3.13.
bool parse_call(PyObject* const* args, Py_ssize_t nargs, ForkExecCall& c) {
  if (nargs != kArgCount) {
    PyErr_Format(PyExc_TypeError, "fork_exec expected %zd arguments, got %zd", kArgCount, nargs);
    return false;
  }
  c.process_args = args[0];
  c.executable_list = args[1];
  if (!clinic_bool(args[2], c.close_fds)) return false;
  if (!PyTuple_Check(args[3])) {
    PyErr_Format(PyExc_TypeError, "fork_exec() argument 4 must be tuple, not %.50s",
                 args[3] == Py_None ? "None" : Py_TYPE(args[3])->tp_name);
    return false;
  }
  c.fds_to_keep = args[3];
  c.cwd = args[4];
  c.env = args[5];
  int* const fds[] = {&c.p2cread, &c.p2cwrite, &c.c2pread, &c.c2pwrite,
                      &c.errread, &c.errwrite, &c.errpipe_read, &c.errpipe_write};
  for (int i = 0; i < 8; ++i) {
    if (!clinic_int(args[6 + i], *fds[i])) return false;
  }
  if (!clinic_bool(args[14], c.restore_signals) || !clinic_bool(args[15], c.call_setsid)) return false;
#if FDCONFORM_PY313
  int pgid = 0;
  if (!clinic_int(args[16], pgid)) return false;
  c.pgid_to_set = pgid;
#else
  const long pgid = PyLong_AsLong(args[16]);
  if (pgid == -1 && PyErr_Occurred()) return false;
  c.pgid_to_set = static_cast<pid_t>(pgid);
#endif
  c.gid = args[17];
  c.extra_groups = args[18];
  c.uid = args[19];
  if (!clinic_int(args[20], c.child_umask)) return false;
  c.preexec_fn = args[21];
  return clinic_bool(args[22], c.allow_vfork);
}
#endif

#if FDCONFORM_PY311
constexpr const char* kTooManyGroups = "too many groups";
constexpr const char* kGroupsNotInts = "groups must be integers";
#else
constexpr const char* kTooManyGroups = "too many extra_groups";
constexpr const char* kGroupsNotInts = "extra_groups must be integers";
#endif

bool convert_groups(PyObject* list, std::vector<gid_t>& out) {
  if (!PyList_Check(list)) {
    PyErr_SetString(PyExc_TypeError, "setgroups argument must be a list");
    return false;
  }
  const Py_ssize_t size = PySequence_Size(list);
  if (size < 0) return false;
  if (size > kMaxGroups) {
    PyErr_SetString(PyExc_ValueError, kTooManyGroups);
    return false;
  }
  for (Py_ssize_t i = 0; i < size; ++i) {
    Ref item(PySequence_GetItem(list, i));
    if (!item) return false;
    if (!PyLong_Check(item.get())) {
      PyErr_SetString(PyExc_TypeError, kGroupsNotInts);
      return false;
    }
    gid_t gid;
    if (!_Py_Gid_Converter(item.get(), &gid)) {
      PyErr_SetString(PyExc_ValueError, "invalid group id");
      return false;
    }
    out.push_back(gid);
  }
  return true;
}

// What the child's hooks need: run in a fork child only.
struct PreexecContext {
  PyObject* function;
  PyObject* no_args;
};

void child_start_hook(void*) { PyOS_AfterFork_Child(); }

int preexec_hook(void* context) {
  auto* preexec = static_cast<PreexecContext*>(context);
  // The result is not released: the child is about to exec or _exit.
  return PyObject_Call(preexec->function, preexec->no_args, nullptr) != nullptr ? 0 : -1;
}

// Everything after argument parsing: checks, conversions, fork, in the order
// CPython does them (so the first error raised is the same one).
PyObject* fork_exec_parsed(const ForkExecCall& c) {
  const bool has_preexec = c.preexec_fn != Py_None;
  if (has_preexec && PyInterpreterState_Get() != PyInterpreterState_Main()) {
    PyErr_SetString(PyExc_RuntimeError, "preexec_fn not supported within subinterpreters");
    return nullptr;
  }
  if (c.close_fds && c.errpipe_write < 3) {
    PyErr_SetString(PyExc_ValueError, "errpipe_write must be >= 3");
    return nullptr;
  }
  spawn_core::ForkExecArgs request;
  if (!fds_to_keep_valid(c.fds_to_keep, request.fds_to_keep)) {
    PyErr_SetString(PyExc_ValueError, "bad value(s) in fds_to_keep");
    return nullptr;
  }

  // The collector stays off while preexec_fn may run in the child.
  const int reenable_gc = has_preexec ? PyGC_Disable() : 0;
  struct GcRestore {
    int reenable;
    ~GcRestore() {
      if (reenable) PyGC_Enable();
    }
  } gc_restore{reenable_gc};

  if (!bytes_sequence(c.executable_list, request.executable_list)) return nullptr;

  if (c.process_args != Py_None) {
    Ref fast(PySequence_Fast(c.process_args, "argv must be a tuple"));
    if (!fast) return nullptr;
    const Py_ssize_t count = PySequence_Fast_GET_SIZE(fast.get());
    std::vector<std::string> argv;
    argv.reserve(static_cast<size_t>(count));
    for (Py_ssize_t i = 0; i < count; ++i) {
      if (PySequence_Fast_GET_SIZE(fast.get()) != count) {
        PyErr_SetString(PyExc_RuntimeError, "args changed during iteration");
        return nullptr;
      }
      std::string arg;
      if (!fs_string(PySequence_Fast_GET_ITEM(fast.get(), i), arg)) return nullptr;
      argv.push_back(std::move(arg));
    }
    request.argv = std::move(argv);
  }

  if (c.env != Py_None) {
    std::vector<std::string> env;
    if (!bytes_sequence(c.env, env)) return nullptr;
    request.env = std::move(env);
  }

  if (c.cwd != Py_None) {
    std::string cwd;
    if (!fs_string(c.cwd, cwd)) return nullptr;
    request.cwd = std::move(cwd);
  }

  if (c.extra_groups != Py_None) {
    std::vector<gid_t> groups;
    if (!convert_groups(c.extra_groups, groups)) return nullptr;
    request.extra_groups = std::move(groups);  // setgroups() even for an empty list
  }
  if (c.gid != Py_None) {
    gid_t gid;
    if (!_Py_Gid_Converter(c.gid, &gid)) return nullptr;
#if FDCONFORM_PY311
    request.gid = gid;  // 3.11 calls setregid for any given gid, -1 included
#else
    if (gid != static_cast<gid_t>(-1)) request.gid = gid;
#endif
  }
  if (c.uid != Py_None) {
    uid_t uid;
    if (!_Py_Uid_Converter(c.uid, &uid)) return nullptr;
#if FDCONFORM_PY311
    request.uid = uid;
#else
    if (uid != static_cast<uid_t>(-1)) request.uid = uid;
#endif
  }

  request.close_fds = c.close_fds != 0;
  request.p2cread = c.p2cread;
  request.p2cwrite = c.p2cwrite;
  request.c2pread = c.c2pread;
  request.c2pwrite = c.c2pwrite;
  request.errread = c.errread;
  request.errwrite = c.errwrite;
  request.errpipe_read = c.errpipe_read;
  request.errpipe_write = c.errpipe_write;
  request.restore_signals = c.restore_signals != 0;
  request.call_setsid = c.call_setsid != 0;
  request.process_group = c.pgid_to_set;
  request.umask = c.child_umask;
  request.allow_vfork = c.allow_vfork != 0;
#if FDCONFORM_PY313
  request.error_format = spawn_core::ForkExecErrorFormat::cpython_3_13;
#else
  request.error_format = spawn_core::ForkExecErrorFormat::cpython_3_11;
#endif

  Ref no_args(has_preexec ? PyTuple_New(0) : nullptr);
  PreexecContext preexec{c.preexec_fn, nullptr};
  if (has_preexec) {
    if (!no_args) return nullptr;
    preexec.no_args = no_args.get();
    request.hooks.at_child_start = child_start_hook;
    request.hooks.before_close_fds = preexec_hook;
    request.hooks.context = &preexec;
  }

  std::optional<spawn_core::PreparedForkExec> prepared;
  try {
    prepared.emplace(request);
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    return nullptr;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return nullptr;
  }

  // Nothing may fail between PyOS_BeforeFork and the fork.
  if (has_preexec) PyOS_BeforeFork();
  const pid_t pid = prepared->launch();
  if (has_preexec) PyOS_AfterFork_Parent();
  if (pid < 0) {
    errno = -pid;
    PyErr_SetFromErrno(PyExc_OSError);
    return nullptr;
  }
  return PyLong_FromLong(pid);
}

#if FDCONFORM_PY311
PyObject* fork_exec(PyObject*, PyObject* args) {
  ForkExecCall call;
  if (!parse_call(args, call)) return nullptr;
  return fork_exec_parsed(call);
}
#else
PyObject* fork_exec(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  ForkExecCall call;
  if (!parse_call(args, nargs, call)) return nullptr;
  return fork_exec_parsed(call);
}
#endif

PyDoc_STRVAR(fork_exec_doc,
             "fork_exec(args, executable_list, close_fds, pass_fds, cwd, env,\n"
             "          p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite,\n"
             "          errpipe_read, errpipe_write, restore_signals, call_setsid,\n"
             "          pgid_to_set, gid, extra_groups, uid, child_umask, preexec_fn,\n"
             "          allow_vfork)\n"
             "--\n\n"
             "Create a child with fdconform's spawn_core, as _posixsubprocess.fork_exec\n"
             "does: returns the pid; a failure in the child is written on errpipe_write\n"
             "in the text subprocess.py reads.");

PyMethodDef module_methods[] = {
#if FDCONFORM_PY311
    {"fork_exec", fork_exec, METH_VARARGS, fork_exec_doc},
#else
    {"fork_exec", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(fork_exec)), METH_FASTCALL,
     fork_exec_doc},
#endif
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef_Slot module_slots[] = {
#if !FDCONFORM_PY311
    // No per-interpreter or global Python state is kept.
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_fdconform_posixsubprocess",
    "fdconform's spawn_core behind the interface of CPython's _posixsubprocess.",
    0,
    module_methods,
    module_slots,
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit__fdconform_posixsubprocess(void) { return PyModuleDef_Init(&module_def); }
