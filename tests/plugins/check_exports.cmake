# Fails unless PLUGIN's dynamic symbol table defines exactly one symbol,
# opes_plugin_entry (the rest is hidden by visibility and the version script).
execute_process(COMMAND ${NM} -D --defined-only ${PLUGIN}
                OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${PLUGIN}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${symbols}")
set(exported "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^.* " "" name "${line}")
  list(APPEND exported ${name})
endforeach()
if(NOT exported STREQUAL "opes_plugin_entry")
  message(FATAL_ERROR "${PLUGIN} exports: ${exported}")
endif()
