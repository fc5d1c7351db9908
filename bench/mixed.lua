-- wrk script: a mixed scenario, one GET per request from a fixed, prepared sequence.
-- Usage: wrk ... -s bench/mixed.lua http://127.0.0.1:PORT -- <requests file>
-- Each line of the file: <path> TAB <session cookie>. dashboards_bench.py writes the file in
-- 10-slot cycles (7 module pages, 2 learner dashboards, 1 team dashboard), so taking the lines
-- in order, round and round, gives exactly that mix of requests sent.

local lines = {}
local next_line = 0
local user_agent = "lms-bench/1"

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]*)\t([^\t]*)$")
    lines[#lines + 1] = { path = path, cookie = cookie }
  end
end

function request()
  next_line = next_line + 1
  local item = lines[((next_line - 1) % #lines) + 1]
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Cookie"] = "session=" .. item.cookie
  headers["User-Agent"] = user_agent
  return wrk.format("GET", item.path, headers)
end
