# Sourced by the scripts and benchmarks that build mockruns for release: the one set of release flags, so
# ./scripts/serve, ./scripts/test, scripts/package and bench/ all build (and measure) the same binary.
#   --static-swift-stdlib  the Swift runtime linked in: the binary runs without a Swift toolchain and starts faster.
#   -disable-concrete-type-metadata-mangled-name-accessors  (a Swift frontend option) the metadata of a generic
#       type used with concrete arguments (an array of routes, a dictionary of runs) is made by calling its
#       accessor, not by demangling its name at run time: ~65 names demangled at every start were ~900,000
#       instructions, a quarter of mockruns' own start-up (README, "Speed"). The binary grows by ~80 KB.
# Flags on the command line, not in Package.swift: there they would be unsafeFlags on the library targets, and a
# package with unsafeFlags cannot be a versioned dependency (README, "Use it from Swift").
MOCKRUNS_RELEASE_FLAGS=(-c release --static-swift-stdlib
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)

# build_release [swift build options...]: builds the mockruns product (progress on stderr).
build_release() { swift build "${MOCKRUNS_RELEASE_FLAGS[@]}" --product mockruns "$@" >&2; }

# release_binary [swift build options...]: prints the path of the binary build_release makes.
release_binary() { echo "$(swift build "${MOCKRUNS_RELEASE_FLAGS[@]}" --show-bin-path "$@")/mockruns"; }
