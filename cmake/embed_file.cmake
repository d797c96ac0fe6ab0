# Writes a C++ source that holds a file's bytes, so the binary serves them
# without reading the source tree at run time.
#   cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DSYMBOL=<name> -P embed_file.cmake
# The source defines `extern const char SYMBOL[]` (NUL-terminated) and
# `extern const unsigned long SYMBOL_size`, in namespace skyhaul::embedded.
file(READ "${INPUT}" hex HEX)
get_filename_component(input_name "${INPUT}" NAME)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${input_name} by cmake/embed_file.cmake; do not edit.\n"
  "namespace skyhaul::embedded {\n"
  "extern const char ${SYMBOL}[];\n"
  "extern const unsigned long ${SYMBOL}_size;\n"
  "const char ${SYMBOL}[] = {\n  ${bytes}'\\0'};\n"
  "const unsigned long ${SYMBOL}_size = ${size};\n"
  "} // namespace skyhaul::embedded\n")
# Only a changed file touches the output: no rebuild for nothing.
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different
  "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${OUTPUT}.tmp")
