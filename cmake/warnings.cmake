# Project-wide warning flags, applied to our targets through postamt_warnings().
add_library(postamt_warnings INTERFACE)
target_compile_options(postamt_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  -Wno-missing-field-initializers)
