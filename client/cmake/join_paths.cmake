# SPDX-License-Identifier: MIT
# tok_join_paths(<var> <base> <path>...): joins install paths for the .pc file, keeping an
# absolute component as it is (CMAKE_INSTALL_LIBDIR may be absolute), after fmt's JoinPaths.
function(tok_join_paths out base)
    set(joined "${base}")
    foreach(path IN LISTS ARGN)
        if(IS_ABSOLUTE "${path}")
            set(joined "${path}")
        elseif(joined STREQUAL "")
            set(joined "${path}")
        else()
            set(joined "${joined}/${path}")
        endif()
    endforeach()
    set(${out} "${joined}" PARENT_SCOPE)
endfunction()
