-- Drives wrk from a file of prepared requests and prints one JSON line of results.
--
--   wrk ... -s bench/wrk/entries.lua URL -- ENTRIES_FILE THREADS [EXPECTED_LOCATION]
--
-- ENTRIES_FILE holds one request per line: METHOD <tab> PATH <tab> COOKIE <tab> BODY (the body
-- already form-encoded). Each thread takes every THREADS-th line from its own offset, in turn,
-- so two threads never send the same one-time request (a correction's submission key).
-- Requests are formatted once in init(), as the wrk manual advises for fast servers.
--
-- Every response is counted by kind, so a run that was silently sent to the sign-in page, or
-- refused, shows up: 2xx, redirects to EXPECTED_LOCATION (a Lua pattern, e.g. "/sent$"), other
-- redirects, 4xx and 5xx.

local thread_count = 0
local all_threads = {}

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(all_threads, thread)
end

local prepared = {}
local position = 0
local expected_location = nil

local function split_entry(line)
  local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  if method == nil then
    error("bad entry line: " .. line)
  end
  local headers = {}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end

function init(args)
  local threads = tonumber(args[2])
  expected_location = args[3]
  if expected_location == "" then
    expected_location = nil
  end
  local line_number = 0
  for line in io.lines(args[1]) do
    if (line_number % threads) + 1 == id then
      table.insert(prepared, split_entry(line))
    end
    line_number = line_number + 1
  end
  if #prepared == 0 then
    error("no entries for thread " .. id)
  end
  counts = { ok = 0, redirect_expected = 0, redirect_other = 0, client_error = 0, server_error = 0 }
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  if status >= 500 then
    counts.server_error = counts.server_error + 1
  elseif status >= 400 then
    counts.client_error = counts.client_error + 1
  elseif status >= 300 then
    local location = headers["Location"] or headers["location"] or ""
    if expected_location ~= nil and location:find(expected_location) then
      counts.redirect_expected = counts.redirect_expected + 1
    else
      counts.redirect_other = counts.redirect_other + 1
    end
  else
    counts.ok = counts.ok + 1
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, redirect_expected = 0, redirect_other = 0, client_error = 0, server_error = 0 }
  for _, thread in ipairs(all_threads) do
    local counted = thread:get("counts")
    for kind, count in pairs(counted) do
      totals[kind] = totals[kind] + count
    end
  end
  local parts = {}
  for kind, count in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', kind, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"responses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, errors.connect, errors.read, errors.write, errors.timeout,
    table.concat(parts, ", ")))
end
