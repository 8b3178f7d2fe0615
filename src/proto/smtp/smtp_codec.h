// The pure SMTP server-side codec (DESIGN §2): command parsing, the push-based input
// decoder (command lines, DATA, BDAT), reply formatting, xtext and mailbox syntax.
// Handles unauthenticated, hostile input: every function is total and memory is bounded.
// RFCs: 5321, 1870, 2920, 3030, 6152, 6531, 2034/3463, 3207, 4954, 3461.
#pragma once

#include "proto/smtp/command.h"
#include "proto/smtp/decoder.h"
#include "proto/smtp/mailbox.h"
#include "proto/smtp/reply.h"
#include "proto/smtp/xtext.h"
