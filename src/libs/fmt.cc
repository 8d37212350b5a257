// The compiled part of {fmt}, built from Debian's libfmt-dev headers into the binaries instead
// of linking libfmt.so. libfmt.so needs libstdc++.so; without it the executables can link
// libstdc++ statically, which was a third of `modelvet scan`'s start-up (docs/architecture.md,
// "What loads at start-up"). format-inl.h holds the library's non-template definitions; the
// explicit instantiations below are the templates format.h declares `extern` or leaves to the
// library.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template locale_ref::locale_ref(const std::locale& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;
template auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl(locale_ref) -> char;
template auto decimal_point_impl(locale_ref) -> wchar_t;
}  // namespace detail
FMT_END_NAMESPACE
