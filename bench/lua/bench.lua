-- bench.lua: the CPU-bound Lua workload of bench/lua/run.sh (issue 9, part 4).
-- Three phases, each printing its os.clock() time: recursive calls (fib),
-- string building (concatenation, string.format, table.concat, gsub) and
-- table sorting (numbers, then strings with a comparator). Nothing here makes
-- a system call in the loops, so what it measures is the interpreter, libc's
-- malloc and string functions, and how the CPU runs the code.
-- Usage: lua bench.lua [SCALE]   (SCALE multiplies every phase's work; default 1)
local scale = tonumber(arg and arg[1]) or 1

local function phase(name, fn)
  local t0 = os.clock()
  local check = fn()
  print(string.format("lua-bench: %-7s %8.3f s  (check %s)", name, os.clock() - t0, tostring(check)))
end

local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end

phase("fib", function()
  local s = 0
  for _ = 1, scale do s = s + fib(32) end
  return s
end)

phase("string", function()
  local total = 0
  for _ = 1, 10 * scale do
    local parts = {}
    for i = 1, 20000 do
      parts[#parts + 1] = string.format("%d:%s;", i, tostring(i * 7))
    end
    local s = table.concat(parts)
    local t = ""
    for i = 1, 2000 do t = t .. string.char(65 + i % 26) end
    s = s:gsub("1", "one")
    total = total + #s + #t + #s:upper()
  end
  return total
end)

phase("sort", function()
  local sum = 0
  math.randomseed(42)
  for _ = 1, 3 * scale do
    local a = {}
    for i = 1, 100000 do a[i] = math.random(1, 1000000) end
    table.sort(a)
    local b = {}
    for i = 1, 20000 do b[i] = "k" .. math.random(1, 1000000) end
    table.sort(b, function(x, y) return x > y end)
    sum = sum + a[1] + #b[1]
  end
  return sum
end)
