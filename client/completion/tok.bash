# SPDX-License-Identifier: MIT
# bash completion for tok: commands, options, and profile names asked from the running agent.

# Profile names from `tok status --json`, using the --socket given on the command line if any.
_tok_profiles()
{
    local socket=() i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --socket) socket=(--socket "${COMP_WORDS[i + 1]}") ;;
            --socket=*) socket=("${COMP_WORDS[i]}") ;;
        esac
    done
    "${COMP_WORDS[0]}" "${socket[@]}" --timeout 1s --json status 2>/dev/null |
        grep -o '"name":"[^"]*"' | cut -d'"' -f4
}

_tok()
{
    local cur prev words cword
    _init_completion -n = || return

    local commands="header token curl exec status invalidate add reload ping url help"
    local globals="--socket --timeout --json --help --version"

    case $prev in
        --socket) _filedir; return ;;
        --timeout) COMPREPLY=($(compgen -W "1s 5s 10s 30s 1m" -- "$cur")); return ;;
        --token-id) return ;;
    esac

    # Find the command and how many operands it already has.
    local cmd="" operands=0 i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --) [[ $cmd == curl || $cmd == exec ]] && { _command_offset $((i + 1)); return; } ;;
            --socket | --timeout | --token-id) ((i++)) ;;
            -*) ;;
            *) if [[ -z $cmd ]]; then cmd=${words[i]}; else ((operands++)); fi ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$globals" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local extra=""
    case $cmd in
        add) extra="--stdin" ;;
        invalidate) extra="--token-id" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$globals $extra" -- "$cur"))
        return
    fi
    case $cmd in
        header | token | invalidate | add | status | url | curl | exec)
            ((operands == 0)) && COMPREPLY=($(compgen -W "$(_tok_profiles)" -- "$cur"))
            ;;
        help)
            ((operands == 0)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            ;;
    esac
}
complete -F _tok tok
