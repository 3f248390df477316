import ArgumentParser

/// Shell completion of instance names for the four commands. Each script hands the words typed so far to
/// `ec2host --complete`, which decides with the commands' own grammar whether the last word is a destination and
/// answers from a running fedns or the snapshot, never AWS, so Tab stays instant (`CompletionWords`). With no
/// candidates the shell completes files as usual.
enum CompletionShell: String, CaseIterable, ExpressibleByArgument {
    case bash
    case zsh
    case fish

    var script: String {
        switch self {
        case .bash: return Self.bashScript
        case .zsh: return Self.zshScript
        case .fish: return Self.fishScript
        }
    }

    private static var bashScript: String {
        """
        # Instance-name completion for ec2ssh, ec2scp, ec2sftp and ec2host (fedns): ec2host --completion bash
        _ec2_companion() {
            # Words split at spaces only: bash's own COMP_WORDS also splits at @ and :, which belong to operands.
            local line=${COMP_LINE:0:COMP_POINT}
            local -a words candidates
            read -ra words <<< "$line"
            [[ -z $line || $line == *[[:space:]] ]] && words+=("")
            local IFS=$'\\n'
            candidates=($(ec2host --complete "${words[@]}" 2>/dev/null))
            ((${#candidates[@]})) || return 0
            # bash replaces only its current word, which starts after the last character of COMP_WORDBREAKS, except
            # that readline keeps an @ before it in the word (a "special prefix", for host names).
            local cur=${words[-1]} replaced=${COMP_WORDS[COMP_CWORD]} keep="" candidate
            [[ $cur == *"$replaced" ]] && keep=${cur%"$replaced"}
            [[ $keep == *@ && $COMP_WORDBREAKS == *@* ]] && keep=${keep%@}
            COMPREPLY=()
            for candidate in "${candidates[@]}"; do COMPREPLY+=("${candidate#"$keep"}"); done
            [[ ${candidates[0]} == *: ]] && compopt -o nospace 2>/dev/null
            return 0
        }

        complete -o default -F _ec2_companion ec2ssh ec2scp ec2sftp ec2host

        """
    }

    private static var zshScript: String {
        """
        # Instance-name completion for ec2ssh, ec2scp, ec2sftp and ec2host (fedns): ec2host --completion zsh
        _ec2_companion() {
            local -a candidates
            candidates=(${(f)"$(ec2host --complete "${(@)words[1,CURRENT]}" 2>/dev/null)"})
            if ((${#candidates} == 0)); then
                _files
            elif [[ ${candidates[1]} == *: ]]; then
                compadd -Q -S '' -a candidates  # scp's NAME: goes on with a path
                _files
            else
                compadd -Q -a candidates
            fi
        }

        compdef _ec2_companion ec2ssh ec2scp ec2sftp ec2host

        """
    }

    private static var fishScript: String {
        """
        # Instance-name completion for ec2ssh, ec2scp, ec2sftp and ec2host (fedns): ec2host --completion fish
        function __ec2_companion_candidates
            ec2host --complete (commandline -opc) (commandline -ct) 2>/dev/null
        end

        for command in ec2ssh ec2scp ec2sftp ec2host
            complete -c $command -n 'test -n "$(__ec2_companion_candidates)"' -f -a '(__ec2_companion_candidates)'
        end

        """
    }
}
