/// The embedded copy of Scenarios/default.json (a test keeps the two identical), so `mockruns` with no
/// arguments works even where the bundled folder is not around.
enum DefaultScenario {
    static let json = #"""
{
  "description": "Every API on a short happy path",
  "seed": 1
}

"""#
}
