-- bench/speed/bodies.lua - the request bodies create.lua and submit.lua send (loaded with dofile from beside them).
local bodies = { boundary = "mockrunsbenchboundary" }

local function part(name, value)
  return "--" .. bodies.boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

-- WES POST /runs as docs/apis/wes.md shows it: multipart/form-data.
bodies.wes = part("workflow_url", "https://cavatica.sbgenomics.com/u/example/project/apps/fastqc/1")
  .. part("workflow_type", "CWL")
  .. part("workflow_type_version", "v1.0")
  .. part("workflow_params", '{"input_file": {"class": "File", "path": "s3://example-bucket/sample.fastq"}}')
  .. "--" .. bodies.boundary .. "--\r\n"

-- The workspace seed page's JSON body.
bodies.workspace = '{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"process"}}'

return bodies
