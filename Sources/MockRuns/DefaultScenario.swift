/// The embedded copy of Scenarios/default.json (a test keeps the two identical; `scripts/embed-default`
/// regenerates this file), so `mockruns` with no arguments works even where the bundled folder is not around.
enum DefaultScenario {
    static let json = #"""
{
  "description": "Every API on a short happy path; the seed pages' example ids exist",
  "seed": 1,
  "apis": {
    "foundry": {
      "runs": [
        {
          "match": { "sourceID": "SCR_017041-1" },
          "timeline": [
            { "state": "RUNNING", "polls": 2, "fields": { "logMessage": "updating status of 14 records to new.1" } },
            { "state": "FINISHED", "fields": { "logMessage": "updated status of 14 records" } }
          ]
        }
      ]
    }
  }
}
"""#
}
