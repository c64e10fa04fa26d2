/*
 * Tendermint consensus (Buchman, Kwon, Milosevic 2018, Algorithm 1) for one height, as
 * MedChain's RoundStateMachine implements it, for n = 4 validators of which f = 1 is
 * Byzantine. Checked with spin: agreement (no two honest validators decide differently)
 * and validity (no honest validator decides an invalid value or nil).
 *
 *   spin -a [-DR=2] tendermint.pml && cc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c && ./pan -E -m100000
 *
 * (-E: bounded rounds may end undecided, which is liveness, not checked here.)
 *
 * Abstraction (sound for safety):
 * - Every rule's guard is monotone in the messages received (thresholds over votes), and
 *   spin explores every interleaving, so a validator that "has not received" a message
 *   yet behaves like one that simply does not act on it yet. Hence messages are visible to
 *   all as soon as they are sent: delays, reordering and loss are covered by the freedom
 *   to act late or not at all. Timeouts may fire at any time (asynchrony).
 * - The Byzantine validator (3) is counted as having voted for every value (nil, A, B) in
 *   every round to everyone (equivocation: RoundStateMachine counts an equivocator once per
 *   value it signed), which again only enables more behaviour.
 * - As proposer it sends each honest validator its own choice among A, B and the invalid
 *   value X. A fresh honest proposal is always A: A and B are symmetric (the Byzantine
 *   validator may use either), so this loses no behaviour up to renaming.
 * - Rounds 0..R-1. Proposers: round 0 the Byzantine validator, round 1 validator 0,
 *   round 2 validator 1 (weights do not matter for safety).
 * - Includes MedChain's extension: a polka seen for an earlier round raises validValue
 *   (never the lock).
 */

#define N 4
#define H 3          /* honest validators 0..2; validator 3 is Byzantine */
#ifndef R
#define R 3          /* rounds (spin -DR=2 for the quick check) */
#endif
#define Q 3          /* quorum 2f + 1 */

#define NONE 255
#define NIL 0
#define A 1
#define B 2
#define X 3          /* an invalid block */

#define PROPOSE 0
#define PREVOTE 1
#define PRECOMMIT 2

#define valid(v) ((v) == A || (v) == B)
#define sent(x) ((x) != NONE -> 1 : 0)
#define proposer(r) ((r) == 0 -> 3 : (r) - 1)

byte prevote[R * H];     /* prevote[r*H + p]: what honest p prevoted in round r, NONE if not yet */
byte precommit[R * H];
byte proposalV[R];       /* the honest proposer's proposal of round r */
short proposalPol[R];
byte byzProposal[H * R]; /* what the Byzantine proposer sent honest i for round r */
short byzPol[H * R];
byte decision[H];
/* Scratch values, used only inside atomic steps, so kept out of the state vector. */
hidden byte v, c, r2, k;
hidden short pol;

/* Honest votes for v in round r, plus the Byzantine validator's. */
inline countPrevotes(r, v, c) {
    c = 1;
    if :: prevote[(r) * H + 0] == (v) -> c++ :: else -> skip fi;
    if :: prevote[(r) * H + 1] == (v) -> c++ :: else -> skip fi;
    if :: prevote[(r) * H + 2] == (v) -> c++ :: else -> skip fi;
}
inline countPrecommits(r, v, c) {
    c = 1;
    if :: precommit[(r) * H + 0] == (v) -> c++ :: else -> skip fi;
    if :: precommit[(r) * H + 1] == (v) -> c++ :: else -> skip fi;
    if :: precommit[(r) * H + 2] == (v) -> c++ :: else -> skip fi;
}
inline countAllPrevotes(r, c) {
    c = 1;
    if :: prevote[(r) * H + 0] != NONE -> c++ :: else -> skip fi;
    if :: prevote[(r) * H + 1] != NONE -> c++ :: else -> skip fi;
    if :: prevote[(r) * H + 2] != NONE -> c++ :: else -> skip fi;
}
inline countAllPrecommits(r, c) {
    c = 1;
    if :: precommit[(r) * H + 0] != NONE -> c++ :: else -> skip fi;
    if :: precommit[(r) * H + 1] != NONE -> c++ :: else -> skip fi;
    if :: precommit[(r) * H + 2] != NONE -> c++ :: else -> skip fi;
}

/* The proposal of round r as honest i sees it (NONE: none yet). */
inline proposalOf(i, r, v, pol) {
    if
    :: proposer(r) == 3 -> v = byzProposal[(i) * R + (r)]; pol = byzPol[(i) * R + (r)]
    :: else -> v = proposalV[r]; pol = proposalPol[r]
    fi
}

proctype Honest(byte i) {
    byte round = 0;
    byte step = PROPOSE;
    byte lockedV = NIL; short lockedR = -1;
    byte validV = NIL;  short validR = -1;
    bit polkaDone[R];

    /* StartRound(0) */
    if
    :: proposer(0) == i -> proposalV[0] = A; proposalPol[0] = -1
    :: else -> skip
    fi;

    do
    /* line 22: a fresh proposal */
    :: atomic {
        step == PROPOSE && decision[i] == NONE ->
        proposalOf(i, round, v, pol);
        if
        :: v != NONE && pol == -1 ->
            if
            :: valid(v) && (lockedR == -1 || lockedV == v) -> prevote[round * H + i] = v
            :: else -> prevote[round * H + i] = NIL
            fi;
            step = PREVOTE
        :: else -> skip
        fi
    }
    /* line 28: a re-proposal backed by a polka of round pol */
    :: atomic {
        step == PROPOSE && decision[i] == NONE ->
        proposalOf(i, round, v, pol);
        if
        :: v != NONE && pol >= 0 && pol < round ->
            countPrevotes(pol, v, c);
            if
            :: c >= Q ->
                if
                :: valid(v) && (lockedR <= pol || lockedV == v) -> prevote[round * H + i] = v
                :: else -> prevote[round * H + i] = NIL
                fi;
                step = PREVOTE
            :: else -> skip
            fi
        :: else -> skip
        fi
    }
    /* line 57: propose timeout */
    :: atomic { step == PROPOSE && decision[i] == NONE -> prevote[round * H + i] = NIL; step = PREVOTE }
    /* line 36: a polka for the valid proposal of this round */
    :: atomic {
        step >= PREVOTE && decision[i] == NONE && !polkaDone[round] ->
        proposalOf(i, round, v, pol);
        if
        :: v != NONE && valid(v) ->
            countPrevotes(round, v, c);
            if
            :: c >= Q ->
                polkaDone[round] = 1;
                if
                :: step == PREVOTE ->
                    lockedV = v; lockedR = round;
                    precommit[round * H + i] = v;
                    step = PRECOMMIT
                :: else -> skip
                fi;
                validV = v; validR = round
            :: else -> skip
            fi
        :: else -> skip
        fi
    }
    /* MedChain: a polka of an earlier round raises validValue */
    :: atomic {
        decision[i] == NONE ->
        r2 = 0;
        do
        :: r2 < round ->
            proposalOf(i, r2, v, pol);
            if
            :: v != NONE && valid(v) && r2 > validR ->
                countPrevotes(r2, v, c);
                if :: c >= Q -> validV = v; validR = r2 :: else -> skip fi
            :: else -> skip
            fi;
            r2++
        :: else -> break
        od
    }
    /* line 44: a nil polka */
    :: atomic {
        step == PREVOTE && decision[i] == NONE ->
        countPrevotes(round, NIL, c);
        if :: c >= Q -> precommit[round * H + i] = NIL; step = PRECOMMIT :: else -> skip fi
    }
    /* line 61: prevote timeout (after 2f+1 prevotes of any kind) */
    :: atomic {
        step == PREVOTE && decision[i] == NONE ->
        countAllPrevotes(round, c);
        if :: c >= Q -> precommit[round * H + i] = NIL; step = PRECOMMIT :: else -> skip fi
    }
    /* line 49: decide on 2f+1 precommits for a valid proposal, in any round */
    :: atomic {
        decision[i] == NONE ->
        r2 = 0;
        do
        :: r2 < R ->
            proposalOf(i, r2, v, pol);
            if
            :: v != NONE && valid(v) ->
                countPrecommits(r2, v, c);
                if
                :: c >= Q && decision[i] == NONE ->
                    decision[i] = v;
                    /* validity */
                    assert(valid(v));
                    /* agreement */
                    k = 0;
                    do
                    :: k < H -> assert(decision[k] == NONE || decision[k] == v); k++
                    :: else -> break
                    od
                :: else -> skip
                fi
            :: else -> skip
            fi;
            r2++
        :: else -> break
        od
    }
    /* line 65: precommit timeout (after 2f+1 precommits), or line 55: f+1 messages of a
       later round (the Byzantine validator plus one honest one); both start a later round.
       The whole condition is the guard, so the step never blocks half-way. */
    :: atomic {
        decision[i] == NONE && round + 1 < R &&
        (1 + sent(precommit[round * H + 0]) + sent(precommit[round * H + 1]) + sent(precommit[round * H + 2]) >= Q
         || sent(prevote[(round + 1) * H + 0]) + sent(prevote[(round + 1) * H + 1]) + sent(prevote[(round + 1) * H + 2]) > 0
         || sent(precommit[(round + 1) * H + 0]) + sent(precommit[(round + 1) * H + 1]) + sent(precommit[(round + 1) * H + 2]) > 0) ->
        round = round + 1; step = PROPOSE;
        if
        :: proposer(round) == i ->
            if
            :: validR != -1 -> proposalV[round] = validV; proposalPol[round] = validR
            :: validR == -1 -> proposalV[round] = A; proposalPol[round] = -1
            fi
        :: else -> skip
        fi
    }
    :: decision[i] != NONE -> break
    od
}

/* The Byzantine proposer of round 0 sends each honest validator its own choice of A, B or
   the invalid X (sending nothing behaves like X: both end in a nil prevote, and the propose
   timeout may fire any time anyway). */
proctype Byzantine() {
    byte i;
    atomic {
        for (i : 0 .. H - 1) {
            if
            :: byzProposal[i * R + 0] = A
            :: byzProposal[i * R + 0] = B
            :: byzProposal[i * R + 0] = X
            fi;
            byzPol[i * R + 0] = -1
        }
    }
}

init {
    byte j;
    for (j : 0 .. R * H - 1) { prevote[j] = NONE; precommit[j] = NONE; byzProposal[j] = NONE }
    for (j : 0 .. R - 1) { proposalV[j] = NONE; proposalPol[j] = -1 }
    for (j : 0 .. H - 1) { decision[j] = NONE }
    atomic {
        run Byzantine();
        run Honest(0);
        run Honest(1);
        run Honest(2)
    }
}
