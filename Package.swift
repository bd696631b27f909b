// swift-tools-version:6.0
import PackageDescription

// Module map (outermost first):
//   mockruns (CLI)  ->  MockRuns (API fakes, admin, router)  ->  Scenarios (pure engine), MockRunsHTTP (values)
//   MockRunsServer (embedded server for tests) -> MockRuns, MicroHTTPDHost
//   mockruns (CLI)  ->  MicroHTTPDHost (I/O)  ->  CMicroHTTPD (the only importer of libmicrohttpd),
//                                                CGnuTLS (certificates for HTTPS)
//   mockruns (CLI)  ->  OutboundHTTP (an HTTP/1.1 + TLS client: `mockruns record`)  ->  CGnuTLS, MockRunsHTTP
let package = Package(
    name: "mockruns",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mockruns", targets: ["MockRunsCLI"]),
        .library(name: "MockRuns", targets: ["MockRuns"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
        // mockruns in a test process: a real server on a loopback port, steered by plain calls.
        .library(name: "MockRunsServer", targets: ["MockRunsServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        // GnuTLS (libmicrohttpd's TLS library): checks a certificate and key, makes a self-signed certificate.
        .systemLibrary(
            name: "CGnuTLS",
            pkgConfig: "gnutls",
            providers: [.apt(["libgnutls28-dev"])]
        ),
        // CPU hints (a prefetch) Swift cannot spell: a header of static inline C, no library.
        .systemLibrary(name: "CMockRunsMemory"),
        // The lock every module shares state behind (a pthread mutex in debug builds, so ThreadSanitizer sees it).
        .target(name: "MockRunsSync"),
        .target(name: "MockRunsHTTP", dependencies: ["MockRunsSync"]),
        .target(name: "MicroHTTPDHost", dependencies: ["CMicroHTTPD", "CGnuTLS", "MockRunsHTTP", "MockRunsSync"]),
        // The client side: HTTP/1.1 over TCP or GnuTLS, for commands that talk to other servers.
        .target(name: "OutboundHTTP", dependencies: ["CGnuTLS", "MockRunsHTTP"]),
        .target(name: "Scenarios", dependencies: ["MockRunsSync"]),
        .target(name: "MockRuns", dependencies: ["MockRunsHTTP", "Scenarios", "MockRunsSync", "CMockRunsMemory"]),
        .target(name: "MockRunsServer", dependencies: ["MockRuns", "MicroHTTPDHost", "MockRunsHTTP", "Scenarios"]),
        .executableTarget(
            name: "MockRunsCLI",
            dependencies: [
                "MockRuns", "MicroHTTPDHost", "MockRunsHTTP", "Scenarios", "MockRunsSync", "OutboundHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Start-up (README, "Speed"): a position-dependent executable has no relocations for the loader to
            // apply, so the ~40,600 pointers in the binary's data are not written (and their pages not copied) at
            // every start; linker/libstdc++.so makes the C++ runtime the Swift runtime needs linked in, not loaded.
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=lld", "-Xclang-linker", "-no-pie", "-L", Context.packageDirectory + "/linker"],
                    .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // One helper that starts a real server on port 0, shared by the end-to-end test targets.
        .target(
            name: "MockRunsTesting",
            dependencies: ["MicroHTTPDHost", "MockRunsHTTP", "MockRuns", "MockRunsServer", "Scenarios", "MockRunsSync"],
            path: "Tests/Support"
        ),
        .testTarget(name: "HostTests", dependencies: ["MicroHTTPDHost", "MockRunsHTTP", "MockRunsTesting", "MockRunsSync"]),
        .testTarget(
            name: "OutboundHTTPTests",
            dependencies: ["OutboundHTTP", "MicroHTTPDHost", "MockRunsHTTP", "MockRunsTesting", "MockRunsSync"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "MockRunsSync"]),
        // Unit tests of the fakes' shared parts that need no server (routing, the scenario recorder, the contract runner).
        .testTarget(name: "MockRunsTests", dependencies: ["MockRuns", "MockRunsHTTP", "Scenarios"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["MockRuns", "Scenarios", "MockRunsHTTP", "MockRunsTesting", "MockRunsSync"]
        ),
        // The embedded server as a user's tests use it (Swift Testing and XCTest).
        .testTarget(name: "MockRunsServerTests", dependencies: ["MockRunsServer", "MockRuns", "Scenarios"]),
        .testTarget(name: "CLITests", dependencies: ["MockRunsTesting", "MockRunsSync"]),
        // The command line parsed in-process (the quick serve parser against ArgumentParser).
        .testTarget(
            name: "CLIParsingTests",
            dependencies: ["MockRunsCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
