-- bench/speed/create.lua - wrk script for bench/speed/run.sh: creates LIMIT runs of one API (each with its own key
-- where the API keys runs by a parameter), then stops. Arguments after `--`: API LIMIT [TOKEN] [WORKSPACE_ID]
--   wes        POST /ga4gh/wes/v1/runs (multipart/form-data, X-SBG-Auth-Token: tok)
--   workspace  POST /api/v1/workspaces/WORKSPACE_ID/runs (JSON, X-API-Key: bench-key)
--   foundry    POST /dashboard/run, form body, sourceID bench-N
--   controller POST /controller/run?api_key=k&resourceID=bench-N
--   solvexia   POST /api/v1/processes/p-114273/processruns (Authorization: Bearer TOKEN from POST /oauth/token)
-- Once LIMIT creations were answered it prints "created: N, non-2xx: M" and stops sending; the requests it sends
-- after that line are GET /__mockruns/health. Creations still in flight then (at most one per connection) are
-- answered too, so N is LIMIT plus at most connections - 1: run.sh counts the runs the server holds. wrk itself
-- keeps waiting for its -d duration after the stop: run.sh stops it once the line is there.
-- The bodies, from bodies.lua beside this script (wrk runs scripts from any folder).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bodies = dofile(here .. "bodies.lua")
local boundary, wes_body, workspace_body = bodies.boundary, bodies.wes, bodies.workspace

local api, limit, token, workspace
local sent, created, bad, reported = 0, 0, 0, false

function init(args)
  api = args[1]
  limit = tonumber(args[2])
  token = args[3] or ""
  workspace = args[4] or ""
  assert(limit and limit > 0, "create.lua: LIMIT must be a positive number")
  assert(({ wes = 1, workspace = 1, foundry = 1, controller = 1, solvexia = 1 })[api], "create.lua: unknown API " .. tostring(api))
end

function request()
  -- (wrk calls request() once before connecting, to check the request: "sent" is not the count of creations.)
  if created >= limit then
    return wrk.format("GET", "/__mockruns/health")
  end
  sent = sent + 1
  if api == "wes" then
    return wrk.format("POST", "/ga4gh/wes/v1/runs",
      { ["X-SBG-Auth-Token"] = "tok", ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }, wes_body)
  elseif api == "workspace" then
    return wrk.format("POST", "/api/v1/workspaces/" .. workspace .. "/runs",
      { ["X-API-Key"] = "bench-key", ["Content-Type"] = "application/json" }, workspace_body)
  elseif api == "foundry" then
    return wrk.format("POST", "/dashboard/run", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "apiKey=k&sourceID=bench-" .. sent .. "&status2Match=error&stepName=transform")
  elseif api == "controller" then
    return wrk.format("POST", "/controller/run?api_key=k&resourceID=bench-" .. sent)
  else
    return wrk.format("POST", "/api/v1/processes/p-114273/processruns",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, '{"namePrefix":"bench"}')
  end
end

function response(status, headers, body)
  -- A health answer is {"status":"ok"}; a creation answer is anything else.
  if body ~= '{"status":"ok"}' then
    created = created + 1
    if status < 200 or status > 299 then bad = bad + 1 end
  end
  if created >= limit and not reported then
    reported = true
    io.write(string.format("created: %d, non-2xx: %d\n", created, bad))
    io.flush()
    wrk.thread:stop()
  end
end
