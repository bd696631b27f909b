/// The embedded copy of Scenarios/default.json (a test keeps the two identical; `scripts/embed-default`
/// regenerates this file), so `mockruns` with no arguments works even where the bundled folder is not around.
enum DefaultScenario {
    static let json = #"""
{
  "description": "Every API on a short happy path; the seed pages' example ids exist",
  "seed": 1,
  "apis": {
    "solvexia": {
      "runs": [
        {
          "id": "pr-114278",
          "fields": {
            "name": "processapitest : run #1", "process": "p-114273", "description": "Description here",
            "lastModifiedBy": "usa.john.adams",
            "dateModified": "2020-06-15T02:24:14.2700000", "dateCreated": "2020-06-15T02:24:14.2700000",
            "steps": [
              { "id": "ds-114279", "name": "New data step", "stepOrder": "1.1" },
              { "id": "ds-114278", "name": "New data step 2", "stepOrder": "1.2" },
              { "id": "as-20682", "name": "Email results", "stepOrder": "2.1" }
            ]
          },
          "on": {
            "start": {
              "timeline": [
                { "state": "Scheduled", "seconds": 3 },
                { "state": "Running", "polls": 2, "fields": { "stepStatus": { "ds-114279": "Success", "ds-114278": "Success", "as-20682": "Running" } } },
                { "state": "Finished", "fields": { "stepStatus": { "as-20682": "Success" } } }
              ]
            }
          }
        },
        {
          "id": "pr-263",
          "fields": { "name": "processapitest : run #2", "process": "p-114273", "description": "Description here" },
          "timeline": [ { "state": "Running", "seconds": 3600 }, { "state": "Finished" } ]
        }
      ]
    },
    "workspace": {
      "defaultRun": {
        "timeline": [
          { "state": "queued", "polls": 1, "log": ["run queued"] },
          { "state": "running", "polls": 2, "log": ["engine started", "processing document"] },
          { "state": "succeeded", "log": ["output written", "run succeeded"] }
        ]
      }
    },
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
    },
    "wes": {
      "runs": [
        {
          "id": "40a9c1a6-9263-4982-a574-e494f7c4b621",
          "fields": {
            "request": {
              "workflow_params": { "input_file": { "class": "File", "path": "s3://example-bucket/sample.fastq" } },
              "workflow_type": "CWL",
              "workflow_type_version": "v1.0",
              "tags": {},
              "workflow_engine_parameters": {},
              "workflow_url": "https://cavatica.sbgenomics.com/u/example/project/apps/fastqc/1"
            },
            "outputs": { "report": { "class": "File", "location": "s3://example-bucket/sample_fastqc.html" } },
            "tasks": [ { "id": "fastqc", "name": "fastqc", "cmd": ["fastqc", "sample.fastq"], "exit_code": 0 } ]
          },
          "timeline": [ { "state": "COMPLETE", "log": ["[workflow] completed success"] } ]
        }
      ]
    }
  }
}
"""#
}
