-- wrk script: POST one prepared quiz submission per request, each to a different open attempt.
-- Usage: wrk ... -s bench/submit.lua http://127.0.0.1:PORT -- <requests file>
-- Each line of the file: <path> TAB <session cookie> TAB <form body>.

local lines = {}
local next_line = 0
local user_agent = "lms-bench/1"

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    lines[#lines + 1] = { path = path, cookie = cookie, body = body }
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
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", item.path, headers, item.body)
end
