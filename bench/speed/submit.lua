-- bench/speed/submit.lua - wrk script for bench/speed/run.sh: one fixed submission, sent again and again
-- (static request: wrk builds it once). Arguments after `--`: API [WORKSPACE_ID]
--   wes        POST /ga4gh/wes/v1/runs, multipart/form-data, as docs/apis/wes.md shows (X-SBG-Auth-Token: tok)
--   workspace  POST /api/v1/workspaces/WORKSPACE_ID/runs, the seed page's JSON body (X-API-Key: bench-key)
-- Every answer a 2xx (WES 200, workspace 201); wrk counts any other status as "Non-2xx or 3xx responses".
-- The bodies, from bodies.lua beside this script (wrk runs scripts from any folder).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bodies = dofile(here .. "bodies.lua")
local boundary, wes_body, workspace_body = bodies.boundary, bodies.wes, bodies.workspace

function init(args)
  local api = args[1]
  wrk.method = "POST"
  if api == "wes" then
    wrk.path = "/ga4gh/wes/v1/runs"
    wrk.headers["X-SBG-Auth-Token"] = "tok"
    wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    wrk.body = wes_body
  elseif api == "workspace" then
    wrk.path = "/api/v1/workspaces/" .. assert(args[2], "workspace needs WORKSPACE_ID") .. "/runs"
    wrk.headers["X-API-Key"] = "bench-key"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = workspace_body
  else
    error("submit.lua: unknown API " .. tostring(api))
  end
end
