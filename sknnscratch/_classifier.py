"""ScratchMLPClassifier: the scikit-learn estimator around the hand-written network.

This module owns everything that has state: input validation, class labels,
the training loops and the fitted attributes. The mathematics lives in
``_network.py`` and the update rules in ``_optimizers.py``.
"""

import copy
import time
import warnings
from contextlib import contextmanager
from itertools import pairwise
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from sknnscratch import _inspect, _interop
from sknnscratch._activations import OUTPUT_LOG_PROBA, OUTPUT_PROBA
from sknnscratch._callbacks import (
    CALLBACKS_AVAILABLE,
    CallbackSupportMixin,
    FitProgress,
    with_callbacks,
)
from sknnscratch._kernels import Backprop, MinibatchTrainer, Workspace
from sknnscratch._monitoring import DivergenceGuard, ValidationSet, validation_split
from sknnscratch._network import (
    init_parameters,
    layer_units,
    output_logits_at_any_scale,
    pack,
    unpack,
    weights_of,
)
from sknnscratch._optimizers import (
    SGD,
    Adam,
    minimize_lbfgs,
    optimizer_from_dict,
    optimizer_to_dict,
)
from sknnscratch._threads import limits_blas_threads

_STOCHASTIC_SOLVERS = ("sgd", "adam")
# Warnings raised in the training loops point at the user's call: loop, _fit,
# fit (or partial_fit), the BLAS thread limit, and the callback wrapper where
# scikit-learn has one.
_USER_FRAME = 5 + CALLBACKS_AVAILABLE


class ScratchMLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier with a hand-written numpy network.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, with the same names, meanings and validation, and
    the same fitted attributes. The forward pass, the cross-entropy loss, the
    backward pass and the SGD and Adam optimisers are written out in numpy
    (see ``sknnscratch/_network.py`` for the derivation, line by line);
    L-BFGS is scipy's, fed by the same loss and gradient.

    With the default ``hidden_layer_sizes=(8,)`` the network on 13 features is
    the classic 13-8-1 one: 8 ReLU hidden units and one sigmoid output trained
    on the binary cross-entropy. Multiclass targets get a softmax output with
    one unit per class, multilabel targets one sigmoid unit per label.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(8,)
        The ith element is the number of units in the ith hidden layer. An
        empty tuple gives a network without hidden layer (logistic
        regression). MLPClassifier's default is ``(100,)``.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'lbfgs', 'sgd', 'adam'}, default='lbfgs'
        The optimiser. 'lbfgs' (scipy's L-BFGS-B) works on the full training
        set and converges fast and reliably on small and medium data;
        'sgd' and 'adam' take minibatch steps and scale to large data.
        MLPClassifier's default is 'adam', which on a few hundred rows stops
        at ``max_iter`` before it has converged.

    alpha : float, default=13.0
        Strength of the L2 penalty. The training objective is
        ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2``, with
        ``s_i`` the sample weights (times the class weights) and ``S`` their
        sum (the number of samples without weights), so the penalty's effect
        fades as the data grows. A minibatch averages the loss over its own
        rows but keeps the whole training set's ``S`` in the penalty, an
        unbiased estimate of ``J`` (MLPClassifier divides the penalty by the
        batch's size, so a small last batch is penalised far harder; the two
        agree for full batches). MLPClassifier's default is 0.0001,
        with which a network trained to convergence overfits small data: on
        the 303-row heart-disease data the 13-8-1 network needs about this
        much penalty to beat logistic regression. It is a strong default for
        small data with strongly non-linear structure; search ``alpha`` over
        a few decades (for example 0.1, 1, 10) when you tune.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``. Not used by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of ``solver='sgd'``:

        - 'constant': always ``learning_rate_init``;
        - 'invscaling': ``learning_rate_init / (t + 1) ** power_t`` after each
          epoch, ``t`` being the number of samples seen;
        - 'adaptive': divided by 5 each time ``n_iter_no_change`` epochs in a
          row fail to improve by ``tol``; training stops once it is below 1e-6.

    learning_rate_init : float, default=0.001
        The initial learning rate of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of iterations: epochs for 'sgd' and 'adam', L-BFGS
        iterations for 'lbfgs'.

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch ('sgd' and 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds the one random number generator behind the initial weights,
        the shuffling and the early-stopping split. Pass an int for
        reproducible results.

    tol : float, default=1e-4
        Tolerance. For 'lbfgs' the largest gradient entry at convergence; for
        'sgd' and 'adam', training stops (or the 'adaptive' rate drops) when
        the loss (or validation score) fails to improve by ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Whether to print MLPClassifier's line ``Iteration N, loss = ...``
        after every iteration, and with early stopping the validation loss
        and score of every epoch.

    warm_start : bool, default=False
        When True and the model is fitted, ``fit`` resumes training instead
        of starting anew. Unlike MLPClassifier, it resumes everything:

        - the weights, ``coefs_`` and ``intercepts_`` (also if set by hand;
          after early stopping these are the restored best weights);
        - the optimiser's state: Adam's moment estimates and step count,
          SGD's velocities and current learning rate (schedules continue
          from ``t_``), as long as ``solver`` and its settings
          (``learning_rate_init``, ``momentum``, ``beta_1``...) are
          unchanged; changing one starts a fresh optimiser;
        - the shuffling random stream and order (on the same rows), the
          early-stopping split (the same rows are held out), the counter of
          epochs without improvement, and the recorded curves and history.

        So with 'sgd' or 'adam', ``fit`` with ``max_iter=10`` twice gives
        exactly the model of one ``fit`` with ``max_iter=20`` (without early
        stopping, whose restored best weights are where the second fit
        resumes). ``partial_fit`` resumes in the same way.

    momentum : float, default=0.9
        Momentum of 'sgd', in ``[0, 1]``.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether ``fit`` with 'sgd' or 'adam' sets aside ``validation_fraction``
        of the training data and stops when its score (see ``scoring``) fails
        to improve by ``tol`` for ``n_iter_no_change`` epochs; the weights of
        the best epoch are restored at the end. An epoch also counts as an
        improvement when it ties the best score and lowers the validation
        loss by ``tol`` (accuracy on a small validation set ties often), and
        among tied epochs the lower loss wins. Ignored by 'lbfgs' and by
        ``partial_fit``.

    validation_fraction : float, default=0.1
        Share of the training weight set aside for early stopping. The split
        is stratified by class and by sample weight, and identical rows fall
        on the same side, so integer weights still mean repeated rows. Each
        class keeps at least one distinct row for training.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in ``[0, 1)``.

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping
        ('sgd' and 'adam').

    max_fun : int, default=15000
        Maximum number of objective evaluations of 'lbfgs'.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. 'balanced'
        gives class ``c`` the weight ``S / (n_classes * S_c)``, where ``S_c``
        is the total sample weight of class ``c`` and ``S`` that of all rows
        (per label column for multilabel targets). Not in MLPClassifier.
        ``partial_fit`` accepts a dict only.

    scoring : str, callable or None, default=None
        What early stopping watches on the validation set (as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`):

        - None: accuracy, MLPClassifier's rule;
        - 'loss': minus the validation cross-entropy (weighted, without the
          L2 term);
        - any scikit-learn scorer name ('roc_auc', 'balanced_accuracy',
          'neg_log_loss'...) or a callable ``scorer(estimator, X, y)``.

        Higher is better. Used only with ``early_stopping=True``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    loss_ : float
        The training objective (cross-entropy plus L2 penalty) at the end of
        training; for 'sgd' and 'adam', the average over the last epoch.

    best_loss_ : float or None
        The lowest training objective reached; None with ``early_stopping``.

    loss_curve_ : list of float
        The training objective after each iteration (also for 'lbfgs', where
        MLPClassifier records none).

    validation_scores_ : list of float or None
        The validation score (see ``scoring``) after each epoch with
        ``early_stopping``, otherwise None.

    validation_loss_curve_ : list of float or None
        The validation cross-entropy (weighted, without the L2 term) after
        each epoch with ``early_stopping``, otherwise None.

    best_validation_score_ : float or None
        The best validation score with ``early_stopping``, otherwise None.

    history_ : list of dict
        One dict per epoch (or L-BFGS iteration) since the last cold fit:
        ``epoch``, ``train_loss``, ``validation_loss``, ``validation_score``
        (None without early stopping), ``learning_rate`` (SGD's scheduled
        rate or Adam's bias-corrected step size after the epoch; None for
        'lbfgs') and ``seconds``. ``pandas.DataFrame(history_)`` makes it a
        table.

    t_ : int
        The number of training samples the solver has processed.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix from layer i to layer i + 1, of
        shape ``(fan_in, fan_out)``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when they are all strings.

    n_iter_ : int
        The number of iterations the solver ran in the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        The output function: 'logistic' (binary, multilabel) or 'softmax'.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP classifier.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknnscratch import ScratchMLPClassifier
    >>> X, y = make_classification(n_samples=300, n_features=13, random_state=0)
    >>> model = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "scoring": [str, callable, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(8,),
        activation="relu",
        *,
        solver="lbfgs",
        alpha=13.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=1000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight
        self.scoring = scoring

    # ------------------------------------------------------------------ fit

    @with_callbacks
    @limits_blas_threads(fitting=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to the training data.

        With ``warm_start=True`` and a fitted model, training continues from
        the current weights and optimiser state (see ``warm_start``). If
        ``fit`` raises, the estimator is left exactly as it was before the call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input. float32 input trains a float32 network.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each sample's loss counts in proportion
            (see the objective in ``alpha``). Multiplied by ``class_weight``.

        Returns
        -------
        self : ScratchMLPClassifier
            The fitted estimator.
        """
        self._validate_params()
        with _unchanged_on_error(self):
            self._fit(X, y, sample_weight, incremental=False)
        return self

    def _is_stochastic(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for the stochastic solvers "
                f"{_STOCHASTIC_SOLVERS}, not for solver={self.solver!r}."
            )
        return True

    @available_if(_is_stochastic)
    @with_callbacks
    @limits_blas_threads(fitting=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch over the given data ('sgd' and 'adam' only).

        Continues from the current weights and optimiser state, whether they
        come from earlier ``partial_fit`` calls or from ``fit``: a sequence
        of calls on the same data trains exactly like ``fit`` does epoch by
        epoch. If it raises, the estimator is left exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole data set. Required in the first call,
            ignored afterwards.

        Returns
        -------
        self : ScratchMLPClassifier
            The updated estimator.
        """
        self._validate_params()
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' needs the whole data set and is not "
                "supported by partial_fit. Pass a dict instead, for example from "
                "sklearn.utils.class_weight.compute_class_weight."
            )
        with _unchanged_on_error(self):
            if not hasattr(self, "classes_"):
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit."
                    )
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
                self.classes_ = self._label_binarizer.classes_
            self._fit(X, y, sample_weight, incremental=True)
        return self

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must hold positive integers, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _validate_training_data(self, X, y, sample_weight, incremental, first_pass):
        with np.errstate(over="ignore", invalid="ignore"):  # see _logits
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                dtype=(np.float64, np.float32),
                reset=first_pass,
            )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)

        if first_pass and not incremental:
            self._label_binarizer = _fit_label_binarizer(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            new = np.setdiff1d(unique_labels(y), self.classes_)
            if self.warm_start and not incremental:
                if len(new) or len(unique_labels(y)) != len(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where y has the same classes "
                        f"as in the previous call to fit: {self.classes_}; y has "
                        f"{unique_labels(y)}."
                    )
            elif len(new):
                raise ValueError(
                    f"y has classes {new} that are not in classes_ {self.classes_}."
                )
        if len(self.classes_) < 2:
            raise ValueError(
                "The classifier needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_.tolist()[0]!r}."
            )
        Y = _encode_targets(y, self.classes_, self._label_binarizer.y_type_, X.dtype)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], X.dtype)
        if self.class_weight is not None:
            per_class = _class_sample_weight(self.class_weight, y, sample_weight)
            if sample_weight is not None:
                per_class *= sample_weight
            sample_weight = _check_sample_weight(per_class, X.shape[0], X.dtype)
        return X, y, Y, sample_weight

    def _fit(self, X, y, sample_weight, incremental):
        hidden = self._hidden_sizes()
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y, Y, sample_weight = self._validate_training_data(
            X, y, sample_weight, incremental, first_pass
        )
        units = layer_units(X.shape[1], hidden, Y.shape[1])

        if first_pass:
            rng = check_random_state(self.random_state)
            coefs, intercepts = init_parameters(units, self.activation, rng, X.dtype)
            self._start_training_state(units, Y.shape[1], rng)
        else:
            coefs, intercepts = self.coefs_, self.intercepts_
            _check_parameter_shapes(coefs, intercepts, units)
            self._resume_training_state(units, Y.shape[1])
        # One flat vector holds every parameter; coefs_ and intercepts_ are views.
        theta = pack(coefs, intercepts, dtype=X.dtype)
        self.coefs_, self.intercepts_ = unpack(theta, units)

        if self.solver == "lbfgs":
            progress = FitProgress(self, self.max_iter + 1, X, y, sample_weight)
            self._fit_lbfgs(X, Y, sample_weight, theta, units, progress)
        else:
            max_steps = 1 if incremental else self.max_iter
            progress = FitProgress(self, max_steps, X, y, sample_weight)
            self._fit_stochastic(
                X, y, Y, sample_weight, theta, units, incremental, first_pass, progress
            )
        progress.finish()

    def _start_training_state(self, units, n_outputs, rng):
        """Fresh fitted state for a first (or cold) fit."""
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(units)
        self.out_activation_ = (
            "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"
        )
        self.loss_curve_ = []
        self.history_ = []
        self.best_loss_ = np.inf
        self.t_ = 0
        self._no_improvement_count = 0
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self._optimizer = None
        self._shuffle_order = None
        self._best_theta = None
        self._random_state = rng
        # Where the early-stopping split is drawn from, so that a warm-started
        # fit holds out the same rows.
        self._split_state = rng.get_state()

    def _resume_training_state(self, units, n_outputs):
        """Continue from the fitted state; copy what training mutates in place.

        Nothing that existed before the call is modified, so a failed call
        can put the old state back (see ``_unchanged_on_error``).
        """
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(units)
        if not hasattr(self, "out_activation_"):
            self.out_activation_ = (
                "softmax"
                if self._label_binarizer.y_type_ == "multiclass"
                else "logistic"
            )
        self.loss_curve_ = list(getattr(self, "loss_curve_", []))
        self.history_ = list(getattr(self, "history_", []))
        for name in ("validation_scores_", "validation_loss_curve_"):
            previous = getattr(self, name, None)
            setattr(self, name, None if previous is None else list(previous))
        self.best_loss_ = getattr(self, "best_loss_", np.inf)
        self.best_validation_score_ = getattr(self, "best_validation_score_", None)
        self._best_theta = getattr(self, "_best_theta", None)
        self._best_validation_loss = getattr(self, "_best_validation_loss", np.inf)
        self.t_ = getattr(self, "t_", 0)
        count = getattr(self, "_no_improvement_count", 0)
        # A count past n_iter_no_change means the last fit stopped: train anew.
        self._no_improvement_count = 0 if count > self.n_iter_no_change else count
        self._optimizer = copy.deepcopy(getattr(self, "_optimizer", None))
        if hasattr(self, "_random_state"):
            self._random_state = copy.deepcopy(self._random_state)
        else:
            self._random_state = check_random_state(self.random_state)
            self._split_state = self._random_state.get_state()

    def _training_objective(self, X, y, sample_weight=None):
        """The data, weights and settings of the training objective ``J``.

        For a fitted model its current weights; for an unfitted one the
        initial weights its ``random_state`` draws. Changes nothing.
        """
        if hasattr(self, "coefs_") and hasattr(self, "classes_"):
            model, first_pass = self, False
        else:
            model, first_pass = clone(self), True
        X, _, Y, sample_weight = model._validate_training_data(
            X, y, sample_weight, incremental=not first_pass, first_pass=first_pass
        )
        if first_pass:
            units = layer_units(X.shape[1], model._hidden_sizes(), Y.shape[1])
            rng = check_random_state(self.random_state)
            coefs, intercepts = init_parameters(units, self.activation, rng, X.dtype)
            multiclass = model._label_binarizer.y_type_ == "multiclass"
            out_activation = "softmax" if multiclass else "logistic"
        else:
            coefs, intercepts = self.coefs_, self.intercepts_
            out_activation = self.out_activation_
        return dict(
            X=X,
            Y=Y,
            coefs=[np.array(W, dtype=np.float64) for W in coefs],
            intercepts=[np.array(b, dtype=np.float64) for b in intercepts],
            sample_weight=sample_weight,
            activation=self.activation,
            out_activation=out_activation,
            alpha=self.alpha,
        )

    def _objective_args(self):
        return dict(
            activation=self.activation,
            out_activation=self.out_activation_,
            alpha=self.alpha,
        )

    def _fit_lbfgs(self, X, Y, sample_weight, theta, units, progress):
        grad = np.empty_like(theta)
        coef_grads, intercept_grads = unpack(grad, units)
        network = Backprop(
            self.coefs_,
            self.intercepts_,
            **self._objective_args(),
            coef_grads=coef_grads,
            intercept_grads=intercept_grads,
            workspace=Workspace(units, X.shape[0], theta.dtype),
            flat_weights=(weights_of(theta, units), weights_of(grad, units)),
        )
        guard = DivergenceGuard(
            "L-BFGS iteration",
            "Scale the input (for example with StandardScaler) or increase alpha.",
        )
        losses = []

        def fun_and_grad(x):  # runs under errstate(over="ignore", ...) below
            theta[...] = x
            loss = network(X, Y, sample_weight)
            # A trial point of the line search may overshoot; only a value
            # L-BFGS cannot work with is an error here.
            guard.check_finite(loss, len(losses) + 1)
            guard.check_weights(grad, len(losses) + 1)
            return loss, grad.astype(np.float64)

        started = time.perf_counter()
        callers_errstate = np.geterr()

        def record(x, loss):
            nonlocal started
            losses.append(loss)
            self._record_epoch(loss, None, None, None, started)
            started = time.perf_counter()
            if self.verbose:
                print(f"Iteration {len(losses)}, loss = {loss:.8f}")
            theta[...] = x
            if progress.active:  # callbacks see the caller's error settings
                with np.errstate(**callers_errstate):
                    if progress.end_step():
                        raise StopIteration
                    progress.begin_step()

        progress.begin_step()
        # Overflow can only come from a diverging run or an overshooting
        # trial point of the line search; the guard judges the loss.
        with np.errstate(over="ignore", invalid="ignore"):
            result = minimize_lbfgs(
                fun_and_grad,
                theta,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                callback=record,
            )
        theta[...] = result.x
        self.n_iter_ = min(result.nit, self.max_iter)
        self.t_ += X.shape[0] * self.n_iter_
        self.loss_ = result.fun
        self.loss_curve_.extend(losses)
        self.best_loss_ = min(self.best_loss_ or np.inf, self.loss_)
        if result.status != 0 and not result.stopped_by_callback:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}): {result.message}. Increase max_iter or "
                "max_fun, or scale the input (for example with StandardScaler).",
                ConvergenceWarning,
                stacklevel=_USER_FRAME,
            )

    def _record_epoch(self, train_loss, val_loss, val_score, learning_rate, started):
        self.history_.append(
            {
                "epoch": len(self.history_) + 1,
                "train_loss": train_loss,
                "validation_loss": val_loss,
                "validation_score": val_score,
                "learning_rate": learning_rate,
                "seconds": time.perf_counter() - started,
            }
        )

    def _split_validation(self, X, y, Y, sample_weight, first_pass):
        """Hold out ``validation_fraction`` of the training weight for early stopping.

        See :func:`sknnscratch._monitoring.validation_split`. A warm-started
        fit draws the same split as the first one.
        """
        if first_pass:
            split_rng = self._random_state
        else:
            split_rng = np.random.RandomState()
            split_rng.set_state(self._split_state)
        multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        train, val = validation_split(
            X,
            None if multilabel else y,
            sample_weight,
            self.validation_fraction,
            split_rng,
        )
        weights = (None, None)
        if sample_weight is not None:
            weights = (sample_weight[train], sample_weight[val])
        validation = ValidationSet(
            X[val], y[val], Y[val], weights[1], self.scoring, self
        )
        return X[train], Y[train], weights[0], validation

    def _fit_stochastic(
        self, X, y, Y, sample_weight, theta, units, incremental, first_pass, progress
    ):
        optimizer = self._optimizer = self._current_optimizer(theta)
        rng = self._random_state
        validation = None
        if self.early_stopping and not incremental:
            X, Y, sample_weight, validation = self._split_validation(
                X, y, Y, sample_weight, first_pass
            )
            if self.validation_scores_ is None:
                self.validation_scores_, self.validation_loss_curve_ = [], []
                self.best_validation_score_ = -np.inf
                self._best_validation_loss = np.inf
                self._best_theta = None
            self.best_loss_ = None
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf

        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"batch_size={self.batch_size} is larger than the "
                    f"{n_samples} training samples; using {n_samples}.",
                    stacklevel=_USER_FRAME,
                )
            batch_size = min(self.batch_size, n_samples)

        trainer = MinibatchTrainer(
            X,
            Y,
            sample_weight,
            theta,
            units,
            batch_size,
            optimizer,
            self._objective_args(),
        )
        guard = DivergenceGuard(
            "epoch",
            "Scale the input (for example with StandardScaler) or lower "
            "learning_rate_init.",
        )
        # Like MLPClassifier, each epoch shuffles the previous epoch's order.
        # Keeping that order lets a warm start or partial_fit on the same
        # rows continue exactly where the last call stopped.
        previous = getattr(self, "_shuffle_order", None)
        if previous is not None and previous.shape == (n_samples,):
            order = previous.copy()
        else:
            order = np.arange(n_samples)
        self._shuffle_order = order
        self.n_iter_ = 0
        try:
            for _ in range(self.max_iter):
                started = time.perf_counter()
                progress.begin_step()
                epoch = len(self.history_) + 1
                if self.shuffle:
                    rng.shuffle(order)
                # Overflow can only come from a diverging run, which the
                # guard turns into an error naming the epoch.
                with np.errstate(over="ignore", invalid="ignore"):
                    epoch_loss, epoch_weight = trainer.run_epoch(
                        order if self.shuffle else None, guard, epoch
                    )
                    guard.check_weights(theta, epoch)
                if epoch_weight == 0:
                    raise ValueError(
                        "Every training row has zero sample weight (after the "
                        "early-stopping split, if any)."
                    )

                learning_rate = float(optimizer.learning_rate)
                self.n_iter_ += 1
                self.t_ += n_samples
                self.loss_ = epoch_loss / epoch_weight
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                if validation is None:
                    self._track_loss()
                    self._record_epoch(self.loss_, None, None, learning_rate, started)
                else:
                    val_loss, score = self._track_validation(validation, theta)
                    self._record_epoch(
                        self.loss_, val_loss, score, learning_rate, started
                    )
                optimizer.epoch_ends(self.t_)
                stop_requested = progress.end_step()

                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if validation else "Training loss"
                    if self.verbose:
                        print(
                            f"{what} did not improve more than tol={self.tol} for "
                            f"{self.n_iter_no_change} consecutive epochs."
                        )
                    if optimizer.should_stop():
                        break
                    self._no_improvement_count = 0

                if stop_requested or incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=_USER_FRAME,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=_USER_FRAME)

        if validation is not None and self._best_theta is not None:
            theta[...] = self._best_theta

    def _optimizer_settings(self):
        if self.solver == "sgd":
            return (
                "sgd",
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return ("adam", self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _current_optimizer(self, theta):
        """The optimiser to continue with, or a new one if none fits.

        The state is kept while the solver, its settings and the number and
        dtype of the parameters stay the same.
        """
        key = (self._optimizer_settings(), theta.size, theta.dtype)
        optimizer = self._optimizer
        if optimizer is not None and getattr(optimizer, "key", None) == key:
            return optimizer
        if self.solver == "sgd":
            optimizer = SGD(theta.size, theta.dtype, *self._optimizer_settings()[1:])
        else:
            optimizer = Adam(theta.size, theta.dtype, *self._optimizer_settings()[1:])
        optimizer.key = key
        return optimizer

    def _track_loss(self):
        """Count epochs without improvement of the training loss by tol."""
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    def _track_validation(self, validation, theta):
        """Record validation loss and score; keep the weights of the best epoch.

        An epoch improves when its score beats the best by more than ``tol``,
        or ties the best and lowers the validation loss by more than ``tol``:
        a coarse score such as accuracy on a small validation set often ties
        for many epochs while the model still gets better. The weights kept
        are those of the best score, ties going to the lower loss.
        """
        loss, score = validation.evaluate(self)
        self.validation_loss_curve_.append(loss)
        self.validation_scores_.append(score)
        if self.verbose:
            print(f"Validation loss: {loss:.8f}")
            print(f"Validation score: {score:.6f}")
        best_score, best_loss = self.best_validation_score_, self._best_validation_loss
        ties = score >= best_score
        if score > best_score + self.tol or (ties and loss < best_loss - self.tol):
            self._no_improvement_count = 0
        else:
            self._no_improvement_count += 1
        if score > best_score or (ties and loss < best_loss):
            self.best_validation_score_ = score
            self._best_validation_loss = loss
            self._best_theta = theta.copy()
        return loss, score

    def __getstate__(self):
        # The shuffle order is as long as the data: not worth persisting. An
        # unpickled model resumes training with a fresh order. The optimiser
        # is stored as plain data, so that skops.io needs no extra trust.
        state = dict(super().__getstate__())  # a copy: never change the model
        state.pop("_shuffle_order", None)
        if state.get("_optimizer") is not None:
            state["_optimizer"] = optimizer_to_dict(state["_optimizer"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("_optimizer"), dict):
            state = {**state, "_optimizer": optimizer_from_dict(state["_optimizer"])}
        super().__setstate__(state)

    # -------------------------------------------------------------- predict

    @limits_blas_threads(fitting=False)
    def _logits(self, X):
        check_is_fitted(self)
        # scikit-learn's finiteness check first sums X, which can overflow
        # for huge finite values before it checks them one by one.
        with np.errstate(over="ignore", invalid="ignore"):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        return output_logits_at_any_scale(
            X, self.coefs_, self.intercepts_, self.activation
        )

    def _is_binary(self):
        return self._label_binarizer.y_type_ == "binary"

    def decision_function(self, X):
        """The output layer's logits, before the sigmoid or softmax.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For a binary problem, the logit of ``classes_[1]`` (positive means
            ``classes_[1]`` is predicted); otherwise one logit per class or
            label.
        """
        Z = self._logits(X)
        return Z[:, 0] if self._is_binary() else Z

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The class with the highest probability (for multilabel targets,
            an indicator of every label with probability above 0.5).
        """
        Z = self._logits(X)
        return self._label_binarizer.inverse_transform(Z, threshold=0.0)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class in the order of ``classes_``
            (for multilabel targets, of each label).
        """
        Z = self._logits(X)
        if self._is_binary():
            return np.hstack([expit(-Z), expit(Z)])
        return OUTPUT_PROBA[self.out_activation_](Z)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates, computed from the logits.

        Finite wherever the logits are, even where ``predict_proba`` rounds a
        probability to 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class in the order of ``classes_``.
        """
        Z = self._logits(X)
        if self._is_binary():
            return np.hstack([log_expit(-Z), log_expit(Z)])
        return OUTPUT_LOG_PROBA[self.out_activation_](Z)

    # ------------------------------------------------------------- inspect

    def trace(self, x, y):
        """Every intermediate of one sample's forward and backward pass.

        See :func:`sknnscratch.trace`.

        Parameters
        ----------
        x : array-like of shape (n_features,)
            One sample.
        y : label
            Its class label.

        Returns
        -------
        trace : Trace
            The derivation's names (``Z1``, ``a1``, ..., ``dL/dW1``) mapped to
            arrays, in the order they are computed.
        """
        return _inspect.trace(self, x, y)

    def to_sklearn(self):
        """An equivalent fitted :class:`sklearn.neural_network.MLPClassifier`.

        Returns
        -------
        mlp : MLPClassifier
            Same parameters, weights and labels: the same ``predict_proba``.
        """
        return _interop.to_sklearn(self)

    @classmethod
    def from_sklearn(cls, mlp):
        """A fitted ScratchMLPClassifier holding a fitted MLPClassifier's network.

        Parameters
        ----------
        mlp : MLPClassifier
            A fitted classifier.

        Returns
        -------
        estimator : ScratchMLPClassifier
            Same parameters, weights and labels: the same ``predict_proba``.
        """
        return _interop.from_sklearn(cls, mlp)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


def _check_sample_weight(sample_weight, n_samples, dtype):
    """Validate sample weights: finite, non-negative, one per sample, positive sum."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=dtype, input_name="sample_weight"
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)."
        )
    if (sample_weight < 0).any():
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not sample_weight.sum() > 0:
        raise ValueError(
            "sample_weight must have a positive sum; all weights are zero."
        )
    return sample_weight


def _class_sample_weight(class_weight, y, sample_weight):
    """Each row's class weight; 'balanced' counts rows by their sample weight.

    ``'balanced'`` gives class ``c`` the weight ``S / (n_classes * S_c)``,
    ``S_c`` being the total sample weight of the class, so that integer
    sample weights still mean repeated rows. For multilabel targets every
    label column is balanced on its own and a row's weights are multiplied.
    """
    if not isinstance(class_weight, str):
        return compute_sample_weight(class_weight, y).astype(np.float64)
    weight = np.ones(y.shape[0])
    columns = y.T if y.ndim == 2 else [y]
    for column in columns:
        classes, index = np.unique(column, return_inverse=True)
        totals = np.bincount(index, weights=sample_weight, minlength=len(classes))
        with np.errstate(divide="ignore"):
            per_class = np.where(
                totals > 0, totals.sum() / (len(classes) * totals), 0.0
            )
        weight *= per_class[index]
    return weight


def _fit_label_binarizer(y):
    """``LabelBinarizer().fit(y)`` for targets that have passed validation.

    The same fitted binarizer, without validating ``y`` twice more: on a
    data set of a few hundred rows that took longer than a dozen L-BFGS
    iterations. ``tests/test_classifier.py`` checks that the attributes equal
    those of ``LabelBinarizer().fit(y)``.
    """
    binarizer = LabelBinarizer()
    binarizer.sparse_input_ = sp.issparse(y)
    if not binarizer.sparse_input_ and y.ndim == 1 and y.dtype.kind in "biuf":
        # Numbers that passed check_classification_targets: the classes are
        # the distinct values, the type follows from their number.
        binarizer.classes_ = np.unique(y)
        binarizer.y_type_ = "binary" if len(binarizer.classes_) <= 2 else "multiclass"
        return binarizer
    binarizer.y_type_ = type_of_target(y, input_name="y")
    if "multioutput" in binarizer.y_type_:
        raise ValueError(
            "Multioutput target data is not supported with label binarization"
        )
    binarizer.classes_ = unique_labels(y)
    return binarizer


def _check_parameter_shapes(coefs, intercepts, units):
    """Check hand-set coefs_/intercepts_ against the network the data asks for."""
    expected = list(pairwise(units))
    got = [np.shape(W) for W in coefs]
    got_b = [np.shape(b) for b in intercepts]
    if got != expected or got_b != [(b,) for b in units[1:]]:
        raise ValueError(
            f"warm_start needs coefs_ of shapes {expected} and intercepts_ of "
            f"shapes {[(b,) for b in units[1:]]} for this data and "
            f"hidden_layer_sizes; got {got} and {got_b}."
        )


_CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


@contextmanager
def _unchanged_on_error(estimator):
    """Put the estimator's attributes back as they were if the block raises.

    Training never mutates an object that existed before the call (it copies
    what it updates in place), so restoring the attribute dict is enough. The
    callback machinery's own bookkeeping is left alone: its teardown runs
    after this block.
    """
    before = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        for name in list(estimator.__dict__):
            if name not in before and name not in _CALLBACK_STATE:
                del estimator.__dict__[name]
        estimator.__dict__.update(
            {k: v for k, v in before.items() if k not in _CALLBACK_STATE}
        )
        raise


def _encode_targets(y, classes, y_type, dtype):
    """0/1 targets per output unit, as ``LabelBinarizer.transform`` gives them.

    Written out because the binarizer's checks cost more than a small fit:
    one column ``y == classes[1]`` for binary targets, one-hot rows for
    multiclass, the indicator matrix itself for multilabel.
    """
    if y_type == "multilabel-indicator":
        return np.asarray(y, dtype=dtype)
    if y_type == "binary":
        return (y == classes[1]).astype(dtype).reshape(-1, 1)
    Y = np.zeros((y.shape[0], len(classes)), dtype=dtype)
    Y[np.arange(y.shape[0]), np.searchsorted(classes, y)] = 1
    return Y
