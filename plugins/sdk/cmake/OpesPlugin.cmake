# opes_add_plugin(<target> OUTPUT_NAME <file name> SOURCES <src>...
#                 [LIBRARIES <lib>...] [TEST_ONLY])
#
# A plugin is a MODULE library (loaded with dlopen, never linked against)
# that exports exactly one symbol, opes_plugin_entry: everything else is
# hidden, by -fvisibility=hidden for our own code and by a version script
# for what the C++ standard library headers mark visible (their template
# instantiations would otherwise be exported and could bind to another
# plugin's copies).
#
# Shipped plugins land in <build>/plugins/<name>.so and are installed into
# <libdir>/opes-smtp/plugins; TEST_ONLY ones stay in their own build folder.
function(opes_add_plugin target)
  set(exports_map ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin-exports.map)
  cmake_parse_arguments(ARG "TEST_ONLY" "OUTPUT_NAME" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_NAME OR NOT ARG_SOURCES)
    message(FATAL_ERROR "opes_add_plugin(${target}): OUTPUT_NAME and SOURCES are required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE opes::plugin_sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${ARG_OUTPUT_NAME}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${exports_map})
  target_link_options(${target} PRIVATE LINKER:--version-script=${exports_map})
  # Unresolved symbols are an error at link time rather than at dlopen.
  # Not with sanitizers: their runtime symbols come from the executable.
  if(NOT OPES_SANITIZE AND NOT OPES_FUZZ)
    target_link_options(${target} PRIVATE LINKER:--no-undefined)
  endif()
  if(NOT ARG_TEST_ONLY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/plugins)
    # The folder opes-callout finds relative plugin paths in by default.
    install(TARGETS ${target} LIBRARY DESTINATION ${OPES_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
