# SPDX-License-Identifier: MIT
# Man pages written at build time by help2man from each program's own --help
# and --version, so that they never disagree with the program.
#
# pynet_add_man_page(TARGET NAME "one line" COMPONENT component)
# builds TARGET.1.gz beside the program and installs it to share/man/man1.
find_program(HELP2MAN_EXECUTABLE help2man)
include(GNUInstallDirs)

option(PYNET_MAN_PAGES "Write man pages with help2man at build time" ON)
# A sanitizer build's programs would report leaks on exit inside the build.
if(PYNET_MAN_PAGES AND PYNET_SANITIZE)
    set(PYNET_MAN_PAGES OFF)
endif()
if(PYNET_MAN_PAGES AND NOT HELP2MAN_EXECUTABLE)
    message(WARNING "help2man not found (scripts/install-deps.sh installs it): no man pages")
    set(PYNET_MAN_PAGES OFF)
endif()

function(pynet_add_man_page target)
    cmake_parse_arguments(ARG "" "NAME;COMPONENT" "" ${ARGN})
    if(NOT PYNET_MAN_PAGES)
        return()
    endif()
    set(page ${CMAKE_CURRENT_BINARY_DIR}/${target}.1)
    # Reproducible: the date is SOURCE_DATE_EPOCH's where set, and gzip stores no name or time.
    add_custom_command(
        OUTPUT ${page}.gz
        COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                ${HELP2MAN_EXECUTABLE} --no-info --section=1 "--name=${ARG_NAME}"
                --output=${page} $<TARGET_FILE:${target}>
        COMMAND gzip -9nf ${page}
        DEPENDS ${target}
        COMMENT "Writing the man page of ${target}"
        VERBATIM)
    add_custom_target(${target}-man ALL DEPENDS ${page}.gz)
    install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${ARG_COMPONENT})
endfunction()
