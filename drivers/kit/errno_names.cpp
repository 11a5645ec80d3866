#include "errno_names.hpp"

#include <cerrno>

#include <fmt/format.h>

namespace kit {
namespace {

struct NamedErrno {
  int number;
  const char* name;
};

// Where Linux gives one number two names (EAGAIN/EWOULDBLOCK, EDEADLK/EDEADLOCK,
// ENOTSUP/EOPNOTSUPP), the first listed wins, as in Python's errno.errorcode.
constexpr NamedErrno known_errnos[] = {
    {EPERM, "EPERM"},       {ENOENT, "ENOENT"},       {ESRCH, "ESRCH"},         {EINTR, "EINTR"},
    {EIO, "EIO"},           {ENXIO, "ENXIO"},         {E2BIG, "E2BIG"},         {ENOEXEC, "ENOEXEC"},
    {EBADF, "EBADF"},       {ECHILD, "ECHILD"},       {EAGAIN, "EAGAIN"},       {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},     {EFAULT, "EFAULT"},       {ENOTBLK, "ENOTBLK"},     {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},     {EXDEV, "EXDEV"},         {ENODEV, "ENODEV"},       {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},     {EINVAL, "EINVAL"},       {ENFILE, "ENFILE"},       {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"},     {ETXTBSY, "ETXTBSY"},     {EFBIG, "EFBIG"},         {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},     {EROFS, "EROFS"},         {EMLINK, "EMLINK"},       {EPIPE, "EPIPE"},
    {EDOM, "EDOM"},         {ERANGE, "ERANGE"},       {EDEADLK, "EDEADLK"},     {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOLCK, "ENOLCK"},     {ENOSYS, "ENOSYS"},       {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"},
    {ENOMSG, "ENOMSG"},     {EIDRM, "EIDRM"},         {ENOSTR, "ENOSTR"},       {ENODATA, "ENODATA"},
    {ETIME, "ETIME"},       {ENOSR, "ENOSR"},         {EREMOTE, "EREMOTE"},     {ENOLINK, "ENOLINK"},
    {EPROTO, "EPROTO"},     {EBADMSG, "EBADMSG"},     {EOVERFLOW, "EOVERFLOW"}, {EILSEQ, "EILSEQ"},
    {EUSERS, "EUSERS"},     {ENOTSOCK, "ENOTSOCK"},   {EDESTADDRREQ, "EDESTADDRREQ"},
    {EMSGSIZE, "EMSGSIZE"}, {EPROTOTYPE, "EPROTOTYPE"}, {ENOPROTOOPT, "ENOPROTOOPT"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"}, {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
    {EOPNOTSUPP, "EOPNOTSUPP"}, {EPFNOSUPPORT, "EPFNOSUPPORT"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"}, {ENETRESET, "ENETRESET"}, {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"}, {ENOBUFS, "ENOBUFS"}, {EISCONN, "EISCONN"}, {ENOTCONN, "ENOTCONN"},
    {ESHUTDOWN, "ESHUTDOWN"}, {ETOOMANYREFS, "ETOOMANYREFS"}, {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"}, {EHOSTDOWN, "EHOSTDOWN"}, {EHOSTUNREACH, "EHOSTUNREACH"},
    {EALREADY, "EALREADY"}, {EINPROGRESS, "EINPROGRESS"}, {ESTALE, "ESTALE"}, {EDQUOT, "EDQUOT"},
    {ECANCELED, "ECANCELED"}, {EOWNERDEAD, "EOWNERDEAD"}, {ENOTRECOVERABLE, "ENOTRECOVERABLE"},
    {ENOMEDIUM, "ENOMEDIUM"}, {EMEDIUMTYPE, "EMEDIUMTYPE"}, {ENOKEY, "ENOKEY"},
    {EKEYEXPIRED, "EKEYEXPIRED"}, {EKEYREVOKED, "EKEYREVOKED"}, {EKEYREJECTED, "EKEYREJECTED"},
    {ERFKILL, "ERFKILL"},   {EHWPOISON, "EHWPOISON"},
};

}  // namespace

std::string errno_name(int error_number) {
  for (const auto& known : known_errnos)
    if (known.number == error_number) return known.name;
  return fmt::format("E{}", error_number);
}

}  // namespace kit
