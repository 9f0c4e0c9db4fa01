// `propbot secrets`: the operator's CLI for the secrets store (SPEC S-6.4).
//
//   init      --store FILE --key-file FILE
//             new empty store; a new 0600 key file unless FILE already holds a key
//   add-token --store FILE --key-file FILE --name NAME --role viewer|auditor|operator [--token TOKEN]
//             adds (or re-issues) an API token; a generated token is printed once on
//             stdout, alone on its line
//   set       --store FILE --key-file FILE NAME
//             the value is read from stdin, one trailing newline stripped
//   get-names --store FILE --key-file FILE
//             stdout: `store FILE profile=P created_at=T key_rotated_at=T|-`, then
//             `secret NAME updated_at=T` and `token NAME role=R created_at=T` lines;
//             never a value
//   rotate    --store FILE --key-file FILE
//             re-encrypts under a new key written to the key file (the old key is
//             read from it, or from PROPBOT_SECRETS_KEY when it does not exist yet)
//   show-dev  --data-dir DIR
//             prints the credentials of the paper store in DIR as `token NAME ROLE
//             VALUE` and `secret NAME VALUE` lines; refuses any other store
//
// `--key-file` may be omitted (except for rotate) when PROPBOT_SECRETS_KEY holds the
// key; a key file, when given, wins. Flags also take the `--flag=value` form.
// Exit codes: 0 done, 2 usage error (one stderr line naming the flag), 1 the store or
// a file refused (one stderr line with the store's message). Values appear on stdout
// only where listed above (the generated token, show-dev), never on stderr.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int secrets_command(const std::vector<std::string>& args);

}  // namespace propbot::app
