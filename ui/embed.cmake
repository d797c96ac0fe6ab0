# Writes a C++ source holding the web UI's files as byte arrays, so the
# daemon serves them from its own binary: nothing to install beside it,
# nothing fetched at build or run time.
#   cmake -DSRC=<ui dir> -DOUT=<file.cpp> -DFILES=<a,b,c> -P embed.cmake
string(REPLACE "," ";" files "${FILES}")
set(body "// Generated from ui/ by ui/embed.cmake; do not edit.\n")
string(APPEND body "#include \"http/ui_face.hpp\"\n\nnamespace skyhaul::http {\n\nnamespace {\n\n")
set(table "")
set(i 0)
foreach(f IN LISTS files)
  file(READ "${SRC}/${f}" hex HEX)
  string(LENGTH "${hex}" hex_len)
  math(EXPR size "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "const unsigned char asset_${i}[] = {${bytes}0x00};\n")
  string(APPEND table "    {\"${f}\", asset_${i}, ${size}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\n} // namespace\n\nconst ui_asset ui_assets[] = {\n${table}};\n")
string(APPEND body "const size_t ui_asset_count = ${i};\n\n} // namespace skyhaul::http\n")
# Rewritten only when it changes, so an unchanged UI compiles nothing.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL body)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${body}")
