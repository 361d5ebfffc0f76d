# `cpack -G DEB` in the build folder makes a Debian package of the studio and the CLI. Runtime dependencies are
# the library packages of packaging/install-deps.sh (dpkg-shlibdeps fills in the exact versions).
set(CPACK_PACKAGE_NAME "weft-studio")
set(CPACK_PACKAGE_VENDOR "Weft Studio")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Images, forecasts and printable spider webs woven by autoregressive transformers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Weft Studio developers")
set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
